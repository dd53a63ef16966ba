package realkafka

import (
	"testing"

	"github.com/kio-go/kafka-protocol/kio/schema/common"
	"github.com/kio-go/kafka-protocol/kio/schema/unregistercontroller"
	"github.com/kio-go/kafka-protocol/tests/testkit"
)

// testUnregisterController asks the controller to unregister a controller id nobody
// registered (CONTROLLER_ID_NOT_REGISTERED), and the active controller itself, which it
// refuses (INVALID_REQUEST): a single node has nothing it may unregister. The broker
// listener forwards the request to the controller.
func (s *suite) testUnregisterController(listener string) func(t *testing.T, v int16) {
	return func(t *testing.T, v int16) { s.unregisterController(t, s.on(listener), v) }
}

func (s *suite) unregisterController(t *testing.T, c *testkit.Conn, v int16) {
	none := testkit.Call[unregistercontroller.UnregisterControllerResponse](t, c, v, &unregistercontroller.UnregisterControllerRequest{ControllerId: 4242})
	if none.ErrorCode != common.ControllerIdNotRegistered || str(none.ErrorMessage) == "" {
		t.Errorf("unregister controller 4242: %v %s, want CONTROLLER_ID_NOT_REGISTERED", none.ErrorCode, str(none.ErrorMessage))
	}
	self := testkit.Call[unregistercontroller.UnregisterControllerResponse](t, c, v, &unregistercontroller.UnregisterControllerRequest{ControllerId: s.b.NodeID})
	if self.ErrorCode != common.InvalidRequest {
		t.Errorf("unregister the active controller: %v %s, want INVALID_REQUEST", self.ErrorCode, str(self.ErrorMessage))
	}
}
