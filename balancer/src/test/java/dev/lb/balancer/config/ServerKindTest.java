package dev.lb.balancer.config;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** Which HTTP server a config's {@code server} means on a given Java release: a pure decision. */
class ServerKindTest {

    @Test
    void autoIsTheJdkServerOnJava17AndRobahosFromJava21() {
        assertEquals(ServerKind.JDK, ServerKind.AUTO.resolve(17));
        assertEquals(ServerKind.JDK, ServerKind.AUTO.resolve(20));
        assertEquals(ServerKind.ROBAHO, ServerKind.AUTO.resolve(21));
        assertEquals(ServerKind.ROBAHO, ServerKind.AUTO.resolve(25));
    }

    @Test
    void anExplicitChoiceStaysWhatItIs() {
        for (int java : new int[]{17, 21, 25}) {
            assertEquals(ServerKind.JDK, ServerKind.JDK.resolve(java));
            assertEquals(ServerKind.JETTY, ServerKind.JETTY.resolve(java));
        }
        assertEquals(ServerKind.ROBAHO, ServerKind.ROBAHO.resolve(21));
        assertEquals(ServerKind.ROBAHO, ServerKind.ROBAHO.resolve(25));
    }

    @Test
    void robahosServerOnJava17IsRefusedWithOneLineNamingTheFix() {
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> ServerKind.ROBAHO.resolve(17));
        assertEquals("\"server\": \"robaho\" needs Java 21 or newer; this is Java 17 (use \"auto\" or \"jdk\", "
                + "or run a newer JDK)", e.getMessage());
    }

    @Test
    void everyNameParses() {
        assertEquals(ServerKind.AUTO, ServerKind.fromConfigName("auto").orElseThrow());
        assertEquals(ServerKind.ROBAHO, ServerKind.fromConfigName("robaho").orElseThrow());
        assertEquals("\"jdk\", \"jetty\", \"robaho\", \"auto\"", ServerKind.allNames());
    }
}
