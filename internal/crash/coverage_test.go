package crash

import (
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"path/filepath"
	"strings"
	"testing"
)

// guardedTrees are the directories, relative to this package, whose
// goroutines must all reach the crash handler. Package mux starts its
// goroutines in one function, Master.spawn, through MasterOptions.Go.
var guardedTrees = []string{"../../client", "../../cmd/gssh", "../../controlmaster", "../../internal/reexec", "../../mux"}

// spawners are the functions that may hold a go statement: they start
// goroutines through a function their caller passes (crash.Go).
var spawners = map[string]bool{"../../mux/master.go:spawn": true}

// TestEveryGoroutineIsGuarded fails on a go statement in client/,
// cmd/gssh, controlmaster, internal/reexec or mux outside the spawners,
// which would start a goroutine whose panic escapes the handler, and on a func literal given to time.AfterFunc or
// context.AfterFunc (which run it on a goroutine of their own) that does
// not begin with "defer crash.Recover()".
func TestEveryGoroutineIsGuarded(t *testing.T) {
	fset := token.NewFileSet()
	for _, tree := range guardedTrees {
		err := filepath.WalkDir(tree, func(path string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
				return err
			}
			f, err := parser.ParseFile(fset, path, nil, 0)
			if err != nil {
				return err
			}
			var fn string
			ast.Inspect(f, func(n ast.Node) bool {
				switch n := n.(type) {
				case *ast.FuncDecl:
					fn = n.Name.Name
				case *ast.GoStmt:
					if !spawners[path+":"+fn] {
						t.Errorf("%s: go statement; start it with crash.Go", fset.Position(n.Pos()))
					}
				case *ast.CallExpr:
					if isAfterFunc(n) {
						if lit, ok := n.Args[len(n.Args)-1].(*ast.FuncLit); ok && !startsWithRecover(lit) {
							t.Errorf("%s: AfterFunc callback without defer crash.Recover()", fset.Position(n.Pos()))
						}
					}
				}
				return true
			})
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
}

func isAfterFunc(call *ast.CallExpr) bool {
	sel, ok := call.Fun.(*ast.SelectorExpr)
	if !ok || sel.Sel.Name != "AfterFunc" || len(call.Args) == 0 {
		return false
	}
	pkg, ok := sel.X.(*ast.Ident)
	return ok && (pkg.Name == "time" || pkg.Name == "context")
}

func startsWithRecover(lit *ast.FuncLit) bool {
	if len(lit.Body.List) == 0 {
		return false
	}
	d, ok := lit.Body.List[0].(*ast.DeferStmt)
	if !ok {
		return false
	}
	sel, ok := d.Call.Fun.(*ast.SelectorExpr)
	if !ok {
		return false
	}
	pkg, ok := sel.X.(*ast.Ident)
	return ok && pkg.Name == "crash" && sel.Sel.Name == "Recover"
}
