// The engine places spans by UTF-8 byte offsets; CodeMirror by UTF-16 code units. A mapper
// built once per source text turns one into the other.

/** A function from a UTF-8 byte offset of `text` to its UTF-16 index (clamped). */
export function byteMapper(text) {
  // eslint-disable-next-line no-control-regex
  if (!/[^\x00-\x7f]/.test(text)) {
    return (byte) => Math.max(0, Math.min(byte, text.length));
  }
  // starts[i] = byte offset of code unit i; a low surrogate shares its pair's offset.
  const starts = new Uint32Array(text.length + 1);
  let bytes = 0;
  for (let i = 0; i < text.length; i++) {
    starts[i] = bytes;
    const c = text.charCodeAt(i);
    if (c < 0x80) bytes += 1;
    else if (c < 0x800) bytes += 2;
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < text.length) {
      bytes += 4;
      starts[++i] = starts[i - 1];
    } else bytes += 3;
  }
  starts[text.length] = bytes;
  return (byte) => {
    if (byte <= 0) return 0;
    if (byte >= bytes) return text.length;
    // The first index whose start is >= byte.
    let lo = 0;
    let hi = text.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (starts[mid] < byte) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  };
}

/** `{from, to}` in UTF-16 units for an engine span `{start, end}` of `text`. */
export function spanRange(text, span, mapper = byteMapper(text)) {
  const from = mapper(span.start);
  const to = Math.max(from, mapper(span.end));
  return { from, to };
}
