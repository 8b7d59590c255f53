package escape_test

import (
	"fmt"
	"strings"

	"github.com/gssh/gssh/escape"
)

// A terminal pump feeds what it reads from the terminal, sends what comes
// out, and acts on each escape sequence in order. Here the user types a
// command, asks for help, and disconnects; the text after ~. is never
// sent, as with OpenSSH.
func Example() {
	esc, err := escape.ParseEscapeChar("~")
	if err != nil {
		fmt.Println(err)
		return
	}
	f := escape.New(esc)

	reads := [][]byte{[]byte("uptime\r~"), []byte("?~"), []byte(".exit\r")}
	var buf []byte
pump:
	for _, src := range reads {
		for len(src) > 0 {
			var n int
			var a escape.Action
			buf, n, a = f.Feed(buf[:0], src)
			src = src[n:]
			if len(buf) > 0 {
				fmt.Printf("send %q\n", buf)
			}
			switch a {
			case escape.Help:
				help := escape.HelpText(esc, escape.HelpOptions{})
				fmt.Printf("print help, %d lines\n", strings.Count(help, "\r\n"))
			case escape.Disconnect:
				fmt.Printf("print %q and disconnect\n", a.Sequence(esc)+"\r\n")
				break pump
			}
		}
	}
	// Output:
	// send "uptime\r"
	// print help, 13 lines
	// print "~.\r\n" and disconnect
}

// ParseEscapeChar reports bad values with OpenSSH's message.
func ExampleParseEscapeChar() {
	for _, s := range []string{"~", "^A", "none", "^?"} {
		c, err := escape.ParseEscapeChar(s)
		if err != nil {
			fmt.Println(err)
			continue
		}
		fmt.Printf("%s -> %d\n", s, c)
	}
	// Output:
	// ~ -> 126
	// ^A -> 1
	// none -> -1
	// Bad escape character '^?'.
}
