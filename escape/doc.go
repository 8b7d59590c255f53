// Package escape recognises OpenSSH's escape sequences in what the user
// types during an interactive session: bytes from the terminal go in;
// the bytes to send to the server and the commands the user asked for come
// out.
//
// It follows ssh(1), section ESCAPE CHARACTERS, and the behaviour of
// process_escapes in OpenSSH 9.2's clientloop.c. With the default escape
// character '~' the sequences are:
//
//	~.   Disconnect: terminate the connection (only the session through a
//	     ControlMaster)
//	~B   SendBreak: send a BREAK to the remote system
//	~C   CommandLine: open the ssh> command line
//	~R   Rekey: request rekeying of the connection
//	~V   LogLevelDown: decrease the verbosity (LogLevel)
//	~v   LogLevelUp: increase the verbosity (LogLevel)
//	~^Z  Suspend: suspend ssh (Control-Z after the escape character)
//	~#   ListConnections: list forwarded connections
//	~&   Background: background ssh while waiting for forwarded
//	     connections to terminate
//	~?   Help: display the list of escapes (HelpText)
//	~I   Info: show connection information (from OpenSSH 10.3; in
//	     9.2 it is data)
//	~~   send a single '~'
//	~x   any other x: send both '~' and x
//
// The escape character is special only at the start of the session and
// right after a \r or \n that was sent, so "a~." in the middle of a line is
// data. A sequence leaves that state unchanged: after a newline, "~R~." is
// a rekey and then a disconnect. "~~" sends '~', which is not a newline,
// so the next byte is ordinary: "~~." sends "~." to a nested session,
// whose own client then disconnects; each level of nesting needs one more
// '~'.
//
// The escape character is set with -e or EscapeChar (ParseEscapeChar) and
// can be None, which makes the session transparent for binary data.
// OpenSSH enables escapes only for sessions with a pseudo-terminal; that
// choice, and what each action does, belong to the caller.
package escape
