// Command ferretdb runs FerretDB v1 (MongoDB wire protocol) on its PostgreSQL handler.
//
// FerretDB's own command panics when built with `go install` (its version file is not part of
// the module), so the local stack embeds it through its library package instead.
package main

import (
	"context"
	"flag"
	"log"
	"net/http"
	_ "net/http/pprof" // profiles on -pprof-listen only
	"os"
	"os/signal"
	"syscall"

	"github.com/FerretDB/FerretDB/ferretdb"
)

func main() {
	listen := flag.String("listen", "127.0.0.1:27017", "TCP address to listen on")
	postgres := flag.String("postgresql-url", "postgres://postgres@127.0.0.1:5432/ferretdb", "PostgreSQL URL")
	pprofListen := flag.String("pprof-listen", "", "serve Go profiles (/debug/pprof) on this address; empty: off")
	flag.Parse()

	if *pprofListen != "" {
		go func() { log.Printf("pprof: %v", http.ListenAndServe(*pprofListen, nil)) }()
	}

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	db, err := ferretdb.New(&ferretdb.Config{
		Listener:      ferretdb.ListenerConfig{TCP: *listen},
		Handler:       "postgresql",
		PostgreSQLURL: *postgres,
	})
	if err != nil {
		log.Fatalf("ferretdb: %v", err)
	}
	log.Printf("ferretdb listening on %s", *listen)
	db.Run(ctx)
}
