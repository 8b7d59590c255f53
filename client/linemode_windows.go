package client

// lineMode does nothing: there is never a raw terminal on Windows.
func (t *Terminal) lineMode() error { return nil }
