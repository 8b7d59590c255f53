package config

// jump is a parsed ProxyJump value.
type jump struct {
	user, host string
	port       int
	extra      string // the hops before the last, kept verbatim
}

// options accumulates configuration lines in precedence order, like
// OpenSSH's Options struct: a keyword present in vals is already set and
// later single values are ignored.
type options struct {
	// vals holds single-valued keywords under their canonical name: int
	// for flags, multi-states, numbers and times (seconds); string for
	// words and commands; []int for compound values (see setOnce callers).
	vals map[string]any
	// lists holds list keywords where the first line wins.
	lists map[string][]string

	identityFiles    []string
	certificateFiles []string
	localForwards    []Forward // LocalForward and DynamicForward
	remoteForwards   []Forward
	sendEnv          []string
	setEnv           []string
	// bindMask is StreamLocalBindMask; -1 unset. OpenSSH stores it without
	// checking whether the block is active, so the last value seen wins.
	bindMask int
	jump     *jump
	// forwardAgentPath is ForwardAgent given as a socket path.
	forwardAgentPath string
	warnings         []string
	debug            []DebugLine
	// Recorded before defaults are filled in, for Config.
	identityFilesSet, hostKeyAlgosSet, ciphersSet, serverAliveSet bool
}

func newOptions() *options {
	return &options{vals: map[string]any{}, lists: map[string][]string{}, bindMask: -1}
}

func (o *options) has(name string) bool {
	_, ok := o.vals[name]
	return ok
}

// setOnce stores v unless the keyword already has a value.
func (o *options) setOnce(name string, v any) {
	if _, ok := o.vals[name]; !ok {
		o.vals[name] = v
	}
}

func (o *options) int(name string, def int) int {
	if v, ok := o.vals[name].(int); ok {
		return v
	}
	return def
}

func (o *options) str(name, def string) string {
	if v, ok := o.vals[name].(string); ok {
		return v
	}
	return def
}

func (o *options) pair(name string) ([]int, bool) {
	v, ok := o.vals[name].([]int)
	return v, ok
}
