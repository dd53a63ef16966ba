// ErrorCodes prints the error codes of the Kafka release on the classpath, read from its
// org.apache.kafka.common.protocol.Errors enum, as CSV: code,name,retriable, where
// retriable means that the code's exception is a RetriableException. It is the source of
// kio's error codes: run it with `java -cp kafka-clients-<release>.jar:<slf4j-api.jar>
// ErrorCodes.java` (Java 11+ runs a single source file). kafkaspecs does that.
import org.apache.kafka.common.errors.RetriableException;
import org.apache.kafka.common.protocol.Errors;

public class ErrorCodes {
    public static void main(String[] args) {
        StringBuilder out = new StringBuilder("code,name,retriable\n");
        for (Errors e : Errors.values()) {
            boolean retriable = e.exception() instanceof RetriableException;
            out.append(e.code()).append(',').append(e.name()).append(',').append(retriable).append('\n');
        }
        System.out.print(out);
    }
}
