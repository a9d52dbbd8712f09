package dev.lb.cli;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class TargetTest {
    @Test
    void hostAndPortAreSplitAtTheLastColon() {
        assertEquals(new Target("localhost", 9090), Target.parse("localhost:9090"));
        assertEquals(new Target("::1", 9090), Target.parse("[::1]:9090"));
        assertEquals("[::1]:9090", Target.parse("[::1]:9090").toString());
    }

    @Test
    void aTargetWithoutAUsablePortNamesTheExpectedForm() {
        for (String bad : new String[]{"localhost", "localhost:", ":9090", "localhost:http"}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Target.parse(bad));
            assertTrue(e.getMessage().contains("HOST:PORT"), e.getMessage());
        }
        assertTrue(assertThrows(IllegalArgumentException.class, () -> Target.parse("localhost:70000"))
                .getMessage().contains("out of range"));
    }
}
