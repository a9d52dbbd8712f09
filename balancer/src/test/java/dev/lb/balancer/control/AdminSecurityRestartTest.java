package dev.lb.balancer.control;

import dev.lb.balancer.config.BalancerConfig;
import dev.lb.balancer.config.ConfigLoader;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** The admin API's protection is read at start: a reload names a change to it as needing a restart. */
class AdminSecurityRestartTest {
    private static final String BASE = "{\"port\": 8080, \"servers\": [{\"url\": \"http://localhost:8001\"}]";

    @Test
    void aChangedAdminTlsOrAdminAccessNeedsARestartAndIsKeptAsRunning() throws Exception {
        BalancerConfig running = ConfigLoader.parse(BASE + "}", "c.json");
        BalancerConfig file = ConfigLoader.parse(BASE + ", \"adminTls\": {\"certificateFile\": \"a.pem\","
                + " \"privateKeyFile\": \"a.key\", \"clientCaFile\": \"ca.pem\"}, \"adminAccess\": {\"operators\": [\"alice\"]}}",
                "c.json");

        assertEquals(List.of("adminTls none -> {a.pem, a.key, ca.pem, every 60 s}",
                "adminAccess none -> {operators [alice], viewers []}"), RestartOnly.changed(running, file));
        assertEquals(running.adminSecurity(), RestartOnly.keep(running, file).adminSecurity());
    }
}
