package config

import "fmt"

// LocalCommandLine is LocalCommand with its tokens expanded as ssh.c
// expands it after connecting: %%, %C, %d, %h, %i, %k, %L, %l, %n, %p,
// %r, %u, and %T (always "NONE": gssh opens no tunnel device). It is ""
// when PermitLocalCommand is off or no LocalCommand is set.
func (c *Config) LocalCommandLine() (string, error) {
	if !c.PermitLocalCommand || optionNone(c.LocalCommand) {
		return "", nil
	}
	keys := map[byte]string{'T': "NONE"}
	for k, v := range c.tokens {
		keys[k] = v
	}
	s, err := percentExpand(c.LocalCommand, keys)
	if err != nil {
		return "", fmt.Errorf("config: LocalCommand: %w", err)
	}
	return s, nil
}
