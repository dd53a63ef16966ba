package dialrecord

import (
	"context"
	"net"
	"slices"
	"testing"
)

func TestRecorder(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	var r Recorder
	c, err := r.Dial(context.Background(), "tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	c.Close()
	ln.Close()
	if _, err := r.Dial(context.Background(), "tcp", ln.Addr().String()); err == nil {
		t.Error("dialled a closed listener")
	}
	got := r.Addrs()
	if want := []string{ln.Addr().String(), ln.Addr().String()}; !slices.Equal(got, want) {
		t.Errorf("recorded %v, want %v (failed dials too)", got, want)
	}
	got[0] = "changed"
	if r.Addrs()[0] == "changed" {
		t.Error("Addrs shares its slice with the recorder")
	}
}
