// Characters people and OCR put between groups of an identifier: any white space (including the
// ideographic space and no-break space), every dash and hyphen, the minus sign, dots, middle dots,
// slashes, underscores, and the invisible zero-width characters that copy-paste leaves behind.
const SEPARATORS = /[\s\p{Pd}\u2212\u200B-\u200D\u2060\uFEFF._/\u00B7\u30FB]/gu;
// Full-width ASCII (U+FF01-U+FF5E) as typed with a Chinese input method.
const FULL_WIDTH = /[\uFF01-\uFF5E]/g;
const FULL_WIDTH_OFFSET = 0xfee0;

/**
 * The shared first step of every identifier normalizer: full-width forms to ASCII, separators
 * removed, letters upper-cased. Deliberately not Unicode NFKC, which would also turn look-alikes
 * such as circled digits into digits and so accept text nobody would call an identifier.
 */
export function normalizeIdentifierText(input: string): string {
  return input
    .replace(FULL_WIDTH, (char) => String.fromCharCode(char.charCodeAt(0) - FULL_WIDTH_OFFSET))
    .replace(SEPARATORS, '')
    .toUpperCase();
}
