package proxy

import (
	"github.com/kio-go/kafka-protocol/kio/frame"
)

// framer is where the proxy meets kio's framing (frame.Framer today).
var framer = frame.Framer{BrokerCompatible: true}
