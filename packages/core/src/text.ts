/**
 * The one rule for free text a request carries (names, addresses, notes, search words). Text
 * that passes it can be stored, logged, shown and exported as it is: no control characters (the
 * store refuses U+0000, terminals and CSV readers act on the others), no unpaired surrogates (not
 * Unicode, so not storable as UTF-8), no bidirectional overrides or isolates (they make a name
 * display as something else), and not blank.
 *
 * The OpenAPI validator applies it to every string of a request (see `x-text` in openapi.ts), so
 * a service never calls it for fields its document describes; use it for text that arrives
 * another way.
 */

/** `line`: one line of text (the default). `multiline`: tab, LF and CR are allowed as well. */
export type TextKind = 'line' | 'multiline';

/** C0 controls, DEL and C1 controls (general category Cc). */
const CONTROL = /\p{Cc}/u;
/** The same, less tab, LF and CR. */
const CONTROL_EXCEPT_LINE_BREAKS = /(?![\t\n\r])\p{Cc}/u;
/** With the `u` flag a surrogate pair is one code point, so only an unpaired surrogate matches. */
const LONE_SURROGATE = /\p{Cs}/u;
/** LRE, RLE, PDF, LRO, RLO and LRI, RLI, FSI, PDI. */
const BIDI_CONTROL = /[\u202a-\u202e\u2066-\u2069]/;

/** Anything the rule may refuse, in one pass: most text has none of it and is done with here. */
const SUSPECT = /[\p{Cc}\p{Cs}\u202a-\u202e\u2066-\u2069]|^\s*$/u;

/** What is wrong with `value` as text (a detail for a field problem), or undefined when nothing is. */
export function textProblem(value: string, kind: TextKind = 'line'): string | undefined {
  if (!SUSPECT.test(value)) return undefined;
  if ((kind === 'multiline' ? CONTROL_EXCEPT_LINE_BREAKS : CONTROL).test(value)) {
    return kind === 'multiline'
      ? 'must not contain control characters other than tab and line breaks'
      : 'must not contain control characters or line breaks';
  }
  if (LONE_SURROGATE.test(value)) return 'must not contain unpaired surrogates';
  if (BIDI_CONTROL.test(value)) return 'must not contain bidirectional override or isolate characters';
  if (value.trim() === '') return 'must not be blank';
  return undefined;
}
