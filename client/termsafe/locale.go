package termsafe

import (
	"bytes"
	"os"
	"path/filepath"
	"runtime"
	"strings"
)

// LocaleCharset decides, from the environment, whether ssh would run in a
// UTF-8 locale. ssh's msetlocale (utf8.c) looks at the first of LC_ALL,
// LC_CTYPE and LANG that is set: a Turkish locale ("tr…") is replaced by
// C.UTF-8 when its name mentions UTF-8 and by C otherwise; any other value
// leads to setlocale(LC_CTYPE, ""), where the C library takes the first
// non-empty one of the three. That locale is UTF-8 when its codeset is
// (utf8.c then checks nl_langinfo(CODESET)), which gssh reads from the
// name ("C.UTF-8", "en_GB.utf8"), provided the locale exists: glibc has
// C.UTF-8 built in, and any other name it loads from the system's locale
// files (installed). A name the system does not have leaves ssh in the C
// locale, which is why LANG=en_US.UTF-8 on a machine with only C.utf8
// gets escaped non-ASCII from ssh and from gssh alike.
//
// A locale whose name carries no codeset ("en_US") is taken as not
// UTF-8; so is every non-UTF-8 codeset, where ssh's own output is no
// better defined (utf8.c refuses to print strings it cannot decode in
// codesets other than ASCII, Latin-1 and UTF-8).
//
// lookup is os.LookupEnv or a stand-in; installed is Installed or one.
func LocaleCharset(lookup func(string) (string, bool), installed func(name string) bool) Charset {
	vars := []string{"LC_ALL", "LC_CTYPE", "LANG"}
	for _, v := range vars {
		val, ok := lookup(v)
		if !ok {
			continue
		}
		if len(val) < 2 || !strings.EqualFold(val[:2], "tr") {
			break
		}
		low := strings.ToLower(val)
		if strings.Contains(low, "utf-8") || strings.Contains(low, "utf8") {
			return UTF8
		}
		return ASCII
	}
	for _, v := range vars {
		name, _ := lookup(v)
		if name == "" {
			continue
		}
		lang, codeset, _ := splitLocale(name)
		if normCodeset(codeset) != "utf8" {
			return ASCII
		}
		if lang == "C" || installed(name) {
			return UTF8
		}
		return ASCII
	}
	return ASCII
}

// Installed reports whether the C library can load the locale name: on
// glibc from $LOCPATH, or from /usr/lib/locale's archive or directories,
// looked up as given and with the codeset normalised ("en_US.UTF-8" is
// stored as "en_US.utf8"); elsewhere from /usr/share/locale. It does not
// try the less specific names glibc falls back to ("en_US" for
// "en_US.UTF-8"), whose codeset would not be UTF-8 anyway.
func Installed(name string) bool {
	if name == "" || strings.Contains(name, "/") || name == "." || name == ".." {
		return false
	}
	names := []string{name}
	if lang, codeset, mod := splitLocale(name); codeset != "" {
		n := lang + "." + normCodeset(codeset)
		if mod != "" {
			n += "@" + mod
		}
		if n != name {
			names = append(names, n)
		}
	}
	dirs := []string{"/usr/share/locale"}
	if runtime.GOOS == "linux" {
		if lp := os.Getenv("LOCPATH"); lp != "" {
			dirs = filepath.SplitList(lp)
		} else {
			if archive, err := os.ReadFile("/usr/lib/locale/locale-archive"); err == nil {
				for _, n := range names {
					if bytes.Contains(archive, []byte("\x00"+n+"\x00")) {
						return true
					}
				}
			}
			dirs = []string{"/usr/lib/locale"}
		}
	}
	for _, d := range dirs {
		for _, n := range names {
			if fi, err := os.Stat(filepath.Join(d, n, "LC_CTYPE")); err == nil && fi.Mode().IsRegular() {
				return true
			}
		}
	}
	return false
}

// splitLocale splits language[_territory][.codeset][@modifier].
func splitLocale(name string) (lang, codeset, modifier string) {
	rest, modifier, _ := strings.Cut(name, "@")
	lang, codeset, _ = strings.Cut(rest, ".")
	return lang, codeset, modifier
}

// normCodeset is glibc's _nl_normalize_codeset: letters lower-cased,
// everything but letters and digits dropped, "iso" before an all-digit
// result.
func normCodeset(codeset string) string {
	var b strings.Builder
	digits := true
	for _, c := range codeset {
		switch {
		case c >= 'A' && c <= 'Z':
			b.WriteRune(c + 'a' - 'A')
			digits = false
		case c >= 'a' && c <= 'z':
			b.WriteRune(c)
			digits = false
		case c >= '0' && c <= '9':
			b.WriteRune(c)
		}
	}
	if digits && b.Len() > 0 {
		return "iso" + b.String()
	}
	return b.String()
}
