package config_test

import (
	"fmt"

	"github.com/gssh/gssh/client/config"
)

// ExampleParseForward reads -L's argument, prints it as ssh -G does and
// writes it back in the notation ParseForward reads.
func ExampleParseForward() {
	f, ok := config.ParseForward(config.ForwardLocal, "/tmp/my socket:db.internal:5432")
	if !ok {
		fmt.Println("bad spec")
		return
	}
	fmt.Println("localforward", f.Listen, f.Connect)
	fmt.Println(f.String())
	back, _ := config.ParseForward(f.Kind, f.String())
	fmt.Println(back == f)
	// Output:
	// localforward /tmp/my socket [db.internal]:5432
	// /tmp/my socket:[db.internal]:5432
	// true
}
