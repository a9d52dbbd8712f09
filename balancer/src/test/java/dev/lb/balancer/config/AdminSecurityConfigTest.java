package dev.lb.balancer.config;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** {@code adminTls}, {@code adminAccess} and {@code adminInsecure} in the config file. */
class AdminSecurityConfigTest {
    private static final String SEED =
            "{\"port\":8080,\"servers\":[{\"url\":\"http://localhost:8001\",\"healthy\":false}],\"healthCheckInterval\":10";
    private static final String TLS = "\"adminTls\": {\"certificateFile\": \"admin.pem\", \"privateKeyFile\": \"admin.key\","
            + " \"clientCaFile\": \"clients-ca.pem\"}";

    @Test
    void withoutTheNewFieldsTheAdminApiIsPlaintext() throws Exception {
        assertEquals(AdminSecurityConfig.PLAINTEXT, ConfigLoader.parse(SEED + "}", "c.json").adminSecurity());
    }

    @Test
    void tlsAndRolesAreRead() throws Exception {
        AdminSecurityConfig security = ConfigLoader.parse(SEED + ", " + TLS + ", \"adminAccess\": {\"operators\":"
                + " [\"alice\"], \"viewers\": [\"grafana\", \"victor\"]}}", "c.json").adminSecurity();

        assertEquals(Optional.of(new AdminTlsConfig(Path.of("admin.pem"), Path.of("admin.key"), Path.of("clients-ca.pem"),
                Duration.ofSeconds(60))), security.tls());
        assertEquals(new AdminAccessConfig(true, List.of("alice"), List.of("grafana", "victor")), security.access());
        assertEquals(false, security.insecure());
    }

    @Test
    void insecureIsAnExplicitChoice() throws Exception {
        assertEquals(true, ConfigLoader.parse(SEED + ", \"adminInsecure\": true}", "c.json").adminSecurity().insecure());
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "\"adminAccess\": {\"operators\": [\"alice\"]}|c.json: adminAccess needs \"adminTls\": roles are read from client certificates; add \"adminTls\" or leave \"adminAccess\" out",
            "\"adminTls\": {\"certificateFile\": \"a.pem\", \"privateKeyFile\": \"a.key\"}|c.json: adminTls.clientCaFile missing; give the path of the PEM CA certificate that signs client certificates",
            "\"adminTls\": {\"certificateFile\": \"a.pem\", \"privateKeyFile\": \"a.key\", \"clientCaFile\": \"ca.pem\", \"reloadIntervalSeconds\": 0}|c.json: adminTls.reloadIntervalSeconds 0 is out of range; use 1 to 86400",
            "\"adminInsecure\": \"yes\"|c.json: adminInsecure must be true or false, not \"yes\"",
    })
    void aWrongSettingIsRefusedWithItsPath(String fields, String message) {
        ConfigException e = assertThrows(ConfigException.class, () -> ConfigLoader.parse(SEED + ", " + fields + "}", "c.json"));
        assertEquals(message, e.getMessage());
    }

    @Test
    void aNameIsEitherAnOperatorOrAViewer() {
        ConfigException e = assertThrows(ConfigException.class, () -> ConfigLoader.parse(SEED + ", " + TLS
                + ", \"adminAccess\": {\"operators\": [\"alice\"], \"viewers\": [\"alice\"]}}", "c.json"));
        assertEquals("c.json: adminAccess.viewers \"alice\" is also an operator; list each name once", e.getMessage());
    }
}
