// Package termsafe renders text that came from the network (a server's
// banner, keyboard-interactive texts, DISCONNECT reasons, version string,
// forwarding requests) so that it cannot drive the user's terminal, byte for
// byte as OpenSSH 9.2's client renders it. It imports nothing of gssh's.
//
// ssh has two renderings, and so has this package:
//
//   - Text is utf8.c's vasnmprintf without a width limit, which ssh uses
//     through fmprintf for the userauth banner and through asmprintf for
//     keyboard-interactive prompts. The string is read one character at a
//     time in the locale's encoding (mbtowc). Newline, carriage return and
//     tab are kept. A character the locale cannot decode, or one it decodes
//     but whose wcwidth is -1 (not printable), is written byte by byte as a
//     backslash and three octal digits (vis with VIS_OCTAL|VIS_ALL): ESC
//     becomes \033, BEL \007, DEL \177, a C1 control U+009B (bytes C2 9B)
//     \302\233, a lone 0xff \377. A backslash is kept as it is. Every other
//     character, including combining marks and format characters such as
//     U+202E, is kept. With a UTF-8 locale that is all valid, printable
//     UTF-8; with any other locale ssh runs in the C locale, whose ASCII
//     codeset rejects every byte above 0x7f, so all of them are escaped.
//     There is no length limit.
//
//   - LogLine is what log.c's do_log makes of a message on stderr: the
//     formatted message is cut to 1023 bytes (its 1024-byte buffer), passed
//     through strnvis with VIS_SAFE|VIS_OCTAL into another 1024-byte
//     buffer, and at most 1021 bytes of that are written before "\r\n".
//     strnvis works on bytes, not characters: printable ASCII, space, tab,
//     newline and, because of VIS_SAFE, backspace, BEL and carriage return
//     are kept; a backslash is doubled; every other byte, all of 0x80-0xff
//     included, becomes \ooo. The locale plays no part. ssh logs the
//     keyboard-interactive name and instruction, DISCONNECT reasons, the
//     server's version and every other message this way.
//
// Both stop at a NUL byte, as C's "%s" does.
//
// Which rendering of Text applies depends on the locale, decided as ssh's
// msetlocale and setlocale(LC_CTYPE, "") decide it: see LocaleCharset.
package termsafe
