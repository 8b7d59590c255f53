package escape

// BadCharError reports a value that ParseEscapeChar rejects. Its text is
// what `ssh -e` prints before exiting with 255; a configuration file
// parser reports it its own way (OpenSSH: "FILE line N: Bad escape
// character.") and can tell it apart with errors.As.
type BadCharError struct {
	Value string // the rejected argument, as given
}

// Error returns OpenSSH's message, e.g. "Bad escape character 'ab'.".
func (e *BadCharError) Error() string {
	return "Bad escape character '" + e.Value + "'."
}

// ParseEscapeChar parses the argument of -e and of EscapeChar the way
// ssh.c and readconf.c do in OpenSSH 9.2:
//
//   - "none" (lower case only) gives None;
//   - any single byte gives itself, so "^" alone is a caret;
//   - '^' followed by one byte from '@' to DEL (0x40–0x7f) gives that
//     byte's low five bits: "^A" and "^a" are 0x01, "^@" is 0x00,
//     "^[" is ESC, "^~" is 0x1e and "^?" is rejected, because '?' (0x3f)
//     is below '@' — it does not mean DEL as it does for stty;
//   - anything else, including "" and multi-byte UTF-8 characters, is a
//     *BadCharError.
func ParseEscapeChar(s string) (int, error) {
	switch {
	case s == "none":
		return None, nil
	case len(s) == 1:
		return int(s[0]), nil
	case len(s) == 2 && s[0] == '^' && s[1] >= '@' && s[1] <= 0x7f:
		return int(s[1] & 31), nil
	}
	return 0, &BadCharError{Value: s}
}
