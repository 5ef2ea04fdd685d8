/**
 * Text for a Markdown table cell (a CI job summary): console lines and file names are untrusted,
 * so every character that could start emphasis, a link, an HTML tag or entity, a code span,
 * math or a cell border is backslash-escaped (CommonMark allows it for any ASCII punctuation).
 * Line breaks and control characters become spaces: a cell is one line.
 */
export function markdownText(text: string): string {
  return text.replace(/[\x00-\x1f\x7f]+/g, " ").replace(/[\\`*_{}[\]<>#!|~&$]/g, "\\$&");
}
