// Paragraph text out of generated HTML (LibreOffice help, DocBook, UDHR): the text of each
// block element, innermost first, with inline markup flattened and whitespace collapsed.
import { Parser } from 'htmlparser2';

const BLOCKS = new Set([
  'p',
  'h1',
  'h2',
  'h3',
  'h4',
  'h5',
  'h6',
  'li',
  'dt',
  'dd',
  'td',
  'th',
  'caption',
  'blockquote',
]);
/** Never prose: code listings, scripts, page chrome. */
const SKIP = new Set(['script', 'style', 'noscript', 'head', 'pre', 'nav', 'aside', 'button']);
const VOID = new Set(['br', 'img', 'meta', 'link', 'input', 'hr', 'area', 'base', 'col', 'wbr']);

export interface HtmlScope {
  /** Only text inside the element with this id (the page's content area). */
  rootId?: string;
  /** Elements with any of these classes are left out with everything inside them. */
  skipClasses?: readonly string[];
}

/** Paragraphs in document order; empty ones are dropped. */
export function htmlParagraphs(html: string, scope: HtmlScope = {}): string[] {
  const out: string[] = [];
  const skipClasses = new Set(scope.skipClasses ?? []);
  // One frame per open element: whether it (or an ancestor) is skipped, is inside the root, and
  // the text collected for it if it is a block.
  const stack: { tag: string; skip: boolean; inRoot: boolean; text: string[] | undefined }[] = [];
  const top = () => stack[stack.length - 1];
  const emit = (parts: string[]) => {
    const t = parts.join('').replace(/\s+/g, ' ').trim();
    if (t) out.push(t);
  };
  const nearestBlock = () => {
    for (let i = stack.length - 1; i >= 0; i--) if (stack[i]!.text) return stack[i]!.text;
    return undefined;
  };
  const parser = new Parser(
    {
      onopentag(name, attrs) {
        if (VOID.has(name)) {
          if (name === 'br') nearestBlock()?.push(' ');
          return;
        }
        const parent = top();
        const classes = (attrs.class ?? '').split(/\s+/);
        const skip =
          (parent?.skip ?? false) ||
          SKIP.has(name) ||
          'hidden' in attrs ||
          classes.some((c) => skipClasses.has(c));
        const inRoot = (parent?.inRoot ?? scope.rootId === undefined) || attrs.id === scope.rootId;
        stack.push({ tag: name, skip, inRoot, text: BLOCKS.has(name) ? [] : undefined });
      },
      ontext(text) {
        const t = top();
        if (t && (t.skip || !t.inRoot)) return;
        nearestBlock()?.push(text);
      },
      onclosetag(name) {
        if (VOID.has(name)) return;
        // Tolerate unclosed children (p inside li): pop to the matching element.
        let i = stack.length - 1;
        while (i >= 0 && stack[i]!.tag !== name) i--;
        if (i < 0) return;
        while (stack.length > i) {
          const f = stack.pop()!;
          if (f.text && !f.skip && f.inRoot) emit(f.text);
        }
      },
    },
    { decodeEntities: true, lowerCaseTags: true },
  );
  parser.write(html);
  parser.end();
  return out;
}
