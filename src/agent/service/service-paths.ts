/** Where `lambda agent install` puts the service: one unit, one environment file beside nothing else. */
export const SERVICE_NAME = 'mini-lambda'
export const UNIT_PATH = `/etc/systemd/system/${SERVICE_NAME}.service`
export const ENV_DIR = '/etc/mini-lambda'
export const ENV_PATH = `${ENV_DIR}/agent.env`
/** The data dir of an installed agent unless --data-dir says otherwise (systemd's StateDirectory for the name). */
export const SERVICE_DATA_DIR = '/var/lib/mini-lambda'
export const SERVICE_USER = 'mini-lambda'
