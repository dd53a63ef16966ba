package io.kio.oracle;

import java.nio.ByteBuffer;

import org.apache.kafka.common.protocol.Message;

/**
 * Target is how a request about values of one message starts: kind byte (see
 * {@link Messages#newMessage}), int16 API key, string name, int16 version, then int32
 * count, how many values follow.
 */
public record Target(int kind, short key, String name, short version, int count) {
    /** read reads a Target from the start of req. */
    public static Target read(ByteBuffer req) {
        int kind = req.get();
        short key = req.getShort();
        String name = Wire.readString(req);
        short version = req.getShort();
        return new Target(kind, key, name, version, req.getInt());
    }

    /** newMessage returns an empty message of the target's kind, key and name. */
    public Message newMessage() throws ReflectiveOperationException {
        return Messages.newMessage(kind, key, name);
    }
}
