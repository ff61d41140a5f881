/**
 * Folds full-width digits, Latin letters, space and hyphen (common in Chinese input methods) to ASCII,
 * one UTF-16 code unit for one, so spans found in the folded text are spans of the original text.
 */
export function foldWidth(text: string): string {
  let folded = '';
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code >= 0xff01 && code <= 0xff5e) folded += String.fromCharCode(code - 0xfee0);
    else if (code === 0x3000) folded += ' ';
    else folded += text[i];
  }
  return folded;
}
