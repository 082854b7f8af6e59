/** Line index: positions as editors count them (LF, CRLF and a lone CR each end a line). */
import * as assert from 'node:assert/strict';
import { LineIndex } from '../../server/src/engine/text/lineIndex';

/** The position of every offset, counted the slow, obvious way. */
function reference(text: string): { line: number; character: number }[] {
  const out: { line: number; character: number }[] = [];
  let line = 0;
  let character = 0;
  for (let i = 0; i <= text.length; i++) {
    out.push({ line, character });
    const c = text[i];
    if (c === '\n' || (c === '\r' && text[i + 1] !== '\n')) {
      line++;
      character = 0;
    } else character++;
  }
  return out;
}

describe('text: line index', () => {
  it('maps every offset of random texts to the position an editor shows, and back', () => {
    let seed = 7;
    const rnd = (n: number) => ((seed = (seed * 1103515245 + 12345) % 2 ** 31), seed % n);
    const pieces = ['a', 'é', '😀', ' ', '\n', '\r\n', '\r', '"x"', '\n\n'];
    for (let k = 0; k < 300; k++) {
      let text = '';
      const len = rnd(40);
      for (let i = 0; i < len; i++) text += pieces[rnd(pieces.length)];
      const idx = new LineIndex(text);
      const ref = reference(text);
      assert.equal(idx.lineCount, ref[text.length].line + 1, JSON.stringify(text));
      for (let o = 0; o <= text.length; o++) {
        assert.deepEqual(idx.positionAt(o), ref[o], `${JSON.stringify(text)} @${o}`);
        // Back again, except inside a CRLF pair (no position names the gap between \r and \n).
        if (!(text[o - 1] === '\r' && text[o] === '\n')) assert.equal(idx.offsetAt(ref[o]), o, `${JSON.stringify(text)} back @${o}`);
      }
    }
  });
});
