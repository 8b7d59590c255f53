package config

import "strings"

// whitespace is OpenSSH's WHITESPACE set used when splitting lines.
const whitespace = " \t\r\n"

// strdelim splits the next word off s like misc.c strdelim: a word ends
// at whitespace, a double quote or one '=' (so "Key=Value", "Key = Value"
// and "Key Value" are the same), and a quote starts a section that runs to
// the next quote. more is false when nothing follows the word; ok is false
// for an unterminated quote.
func strdelim(s string) (word, rest string, more, ok bool) {
	i := strings.IndexAny(s, whitespace+"\"=")
	if i < 0 {
		return s, "", false, true
	}
	if s[i] == '"' {
		j := strings.IndexByte(s[i+1:], '"')
		if j < 0 {
			return "", "", false, false
		}
		word = s[:i] + s[i+1:i+1+j]
		return word, strings.TrimLeft(s[i+2+j:], whitespace), true, true
	}
	word, rest = s[:i], strings.TrimLeft(s[i+1:], whitespace)
	if s[i] != '=' && strings.HasPrefix(rest, "=") {
		rest = strings.TrimLeft(rest[1:], whitespace)
	}
	return word, rest, true, true
}

// argvSplit splits the arguments of a line like misc.c argv_split with
// comment termination: whitespace separates words, single or double quotes
// group them, a backslash escapes a quote, a backslash or (outside quotes)
// a space, and a word starting with '#' ends the line.
func argvSplit(s string) ([]string, bool) {
	return argvSplitComments(s, true)
}

// argvSplitComments is argv_split; comments says whether a word starting
// with '#' ends the line (configuration lines) or is a word like any
// other (a command split for execution, as KnownHostsCommand is).
func argvSplitComments(s string, comments bool) ([]string, bool) {
	var args []string
	i := 0
	for i < len(s) {
		if s[i] == ' ' || s[i] == '\t' {
			i++
			continue
		}
		if comments && s[i] == '#' {
			break
		}
		var b strings.Builder
		var quote byte
		for ; i < len(s); i++ {
			c := s[i]
			switch {
			case c == '\\' && i+1 < len(s) && (s[i+1] == '\'' || s[i+1] == '"' || s[i+1] == '\\' || (quote == 0 && s[i+1] == ' ')):
				i++
				b.WriteByte(s[i])
			case quote == 0 && (c == ' ' || c == '\t'):
				goto done
			case quote == 0 && (c == '"' || c == '\''):
				quote = c
			case quote != 0 && c == quote:
				quote = 0
			default:
				b.WriteByte(c)
			}
		}
		if quote != 0 {
			return nil, false
		}
	done:
		args = append(args, b.String())
	}
	return args, true
}

// splitKeyword separates a configuration line into its lowercased
// keyword and the remainder with leading whitespace removed (kept raw
// because ProxyCommand and friends take it verbatim). An empty keyword
// means a blank or comment line; more is false when the keyword has no
// argument at all.
func splitKeyword(line string) (keyword, rest string, more bool) {
	line = strings.TrimRight(line, whitespace+"\f")
	kw, rest, more, ok := strdelim(line)
	if ok && kw == "" && more {
		// Leading whitespace leaves an empty first word.
		kw, rest, more, ok = strdelim(rest)
	}
	if !ok || kw == "" || kw[0] == '#' {
		return "", "", false
	}
	return strings.ToLower(kw), rest, more && rest != ""
}
