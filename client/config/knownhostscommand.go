package config

import "fmt"

// KnownHostsQuery describes one run of KnownHostsCommand: OpenSSH runs it
// before key exchange to order HostKeyAlgorithms ("ORDER", no key yet),
// and again to verify the key the server sent ("HOSTNAME", and
// "ADDRESS" for CheckHostIP).
type KnownHostsQuery struct {
	// Invocation is %I: "ORDER", "HOSTNAME" or "ADDRESS".
	Invocation string
	// Name is %H, the name whose known_hosts lines the output is
	// searched for.
	Name string
	// KeyType (%t), Fingerprint (%f) and Key (%K, the base64 key blob)
	// describe the server's key; "" is printed as "NONE".
	KeyType, Fingerprint, Key string
}

// KnownHostsCommandArgv is the argument vector of KnownHostsCommand for q,
// built as sshconnect.c load_hostkeys_command builds it: the command is
// split into words with argv_split's quoting ('#' starts no comment),
// and every word after the first gets ${ENV} and the % tokens %%, %C, %d,
// %f, %H, %h, %I, %i, %K, %k, %L, %l, %n, %p, %r, %t, %u. The command is
// executed directly, never by a shell, so a token's value is always one
// whole argument whatever characters it holds. nil when no
// KnownHostsCommand is set.
func (c *Config) KnownHostsCommandArgv(q KnownHostsQuery) ([]string, error) {
	if optionNone(c.KnownHostsCommand) {
		return nil, nil
	}
	args, ok := argvSplitComments(c.KnownHostsCommand, false)
	if !ok {
		return nil, fmt.Errorf("config: KnownHostsCommand \"%s\" contains invalid quotes", c.KnownHostsCommand)
	}
	if len(args) == 0 {
		return nil, fmt.Errorf("config: KnownHostsCommand \"%s\" yielded no arguments", c.KnownHostsCommand)
	}
	orNone := func(s string) string {
		if s == "" {
			return "NONE"
		}
		return s
	}
	keys := map[byte]string{
		'H': q.Name,
		'I': q.Invocation,
		't': orNone(q.KeyType),
		'f': orNone(q.Fingerprint),
		'K': orNone(q.Key),
	}
	for k, v := range c.tokens {
		keys[k] = v
	}
	for i := 1; i < len(args); i++ {
		s, err := expand(args[i], keys, c.lookupEnv)
		if err != nil {
			return nil, fmt.Errorf("config: KnownHostsCommand: %w", err)
		}
		args[i] = s
	}
	return args, nil
}
