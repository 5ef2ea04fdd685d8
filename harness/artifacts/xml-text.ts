/**
 * Characters XML 1.0 forbids: C0 controls but tab, LF and CR; U+FFFE and U+FFFF; surrogates
 * that are not part of a pair. The lookbehind keeps the character before a lone low surrogate
 * (xmlbuilder's own replacement regex eats it).
 */
const XML_FORBIDDEN =
  /[\x00-\x08\x0B\x0C\x0E-\x1F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

/** Console text made safe for an XML text node or attribute: whatever the guest printed, the report stays valid. */
export function xmlSafe(text: string): string {
  return text.replace(XML_FORBIDDEN, "");
}
