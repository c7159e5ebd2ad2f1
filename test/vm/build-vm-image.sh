#!/usr/bin/env bash
# Builds the "VM" the tests under test/vm/ boot: a Debian 12 root file system with systemd as PID 1,
# imported as a Docker image (docs/install.md, "How this is tested"). Nothing is pulled from a registry:
# debootstrap fetches Debian's packages from the mirror apt already uses here.
#
# The root file system is cached outside the repository (a cold build takes a few minutes, a warm one
# seconds): $MINI_LAMBDA_VM_CACHE, default /var/cache/mini-lambda-test. The image's tag is a hash of
# this script, so a change to the recipe builds a new one. Prints the image's name on its last line.
set -euo pipefail

cache="${MINI_LAMBDA_VM_CACHE:-/var/cache/mini-lambda-test}"
recipe_hash="$(sha256sum "$0" | cut -c1-12)"
image="mini-lambda-test/vm:bookworm-$recipe_hash"
rootfs_tar="$cache/rootfs-bookworm-$recipe_hash.tar"

if docker image inspect "$image" >/dev/null 2>&1; then
  echo "$image"
  exit 0
fi

if [ ! -f "$rootfs_tar" ]; then
  if ! command -v debootstrap >/dev/null 2>&1; then
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq debootstrap >/dev/null
  fi
  # The mirror apt already uses (deb822 sources first, then the one-line format).
  mirror="$(sed -n 's/^URIs:[[:space:]]*\([^[:space:]]*\/debian\)\/\{0,1\}[[:space:]]*$/\1/p' /etc/apt/sources.list.d/*.sources 2>/dev/null | head -n 1)"
  [ -n "$mirror" ] || mirror="$(sed -n 's/^deb[[:space:]]\{1,\}\(http[^[:space:]]*\/debian\)\/\{0,1\}[[:space:]].*/\1/p' /etc/apt/sources.list 2>/dev/null | head -n 1)"
  [ -n "$mirror" ] || mirror="http://deb.debian.org/debian"
  mkdir -p "$cache"
  rootfs="$(mktemp -d "$cache/rootfs.XXXXXX")"
  trap 'rm -rf "$rootfs" "$rootfs_tar.partial"' EXIT
  echo "debootstrap bookworm from $mirror into $rootfs (a few minutes, once per machine)" >&2
  # systemd as init; openssh-server, sudo and curl for the ssh deploy workflow (deploy-agent.yml).
  debootstrap --variant=minbase --include=systemd,systemd-sysv,dbus,ca-certificates,openssh-server,sudo,curl \
    bookworm "$rootfs" "$mirror" >&2
  # The container shares the host's network: nothing may listen on the host's interfaces by itself.
  # The ssh test configures sshd on a loopback port and starts it.
  chroot "$rootfs" systemctl disable ssh.service >&2 || true
  chroot "$rootfs" systemctl mask ssh.socket >&2 || true
  # No getty on a console the container does not have; no waiting for a network it does not configure.
  chroot "$rootfs" systemctl mask getty@tty1.service console-getty.service systemd-networkd-wait-online.service >&2 || true
  echo "mini-lambda-vm" >"$rootfs/etc/hostname"
  rm -rf "$rootfs"/var/cache/apt/archives/*.deb "$rootfs"/var/lib/apt/lists/*
  tar -C "$rootfs" -cf "$rootfs_tar.partial" .
  mv "$rootfs_tar.partial" "$rootfs_tar"
fi

docker import --change 'CMD ["/sbin/init"]' "$rootfs_tar" "$image" >&2
echo "$image"
