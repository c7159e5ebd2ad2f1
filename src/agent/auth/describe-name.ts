/** A name or id as quoted in a message: JSON-quoted, and short whatever was sent. */
export function describeName(value: unknown): string {
  const text = JSON.stringify(value) ?? String(value)
  return text.length > 80 ? `${text.slice(0, 80)}…" (${text.length} characters)` : text
}
