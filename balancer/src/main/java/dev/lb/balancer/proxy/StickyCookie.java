package dev.lb.balancer.proxy;

import dev.lb.balancer.backend.Backend;

import java.util.List;

/**
 * The sticky cookie on the wire: finding it in a request's {@code Cookie} fields (RFC 6265 section
 * 5.4: {@code name=value} pairs separated by {@code ;}), taking it out before the request goes to a
 * backend, and the {@code Set-Cookie} that pins a client. Backends never see it: it is the balancer's.
 */
final class StickyCookie {
    private StickyCookie() {
    }

    /** The value of the first cookie called {@code name} in these {@code Cookie} fields; null for none. */
    static String valueIn(List<String> cookieFields, String name) {
        if (cookieFields == null) {
            return null;
        }
        for (String field : cookieFields) {
            for (String pair : field.split(";")) {
                int eq = pair.indexOf('=');
                if (eq > 0 && pair.substring(0, eq).strip().equals(name)) {
                    return unquoted(pair.substring(eq + 1).strip());
                }
            }
        }
        return null;
    }

    /** The backend in rotation this value names; null for an unknown or forged value, which is ignored. */
    static Backend backendFor(String value, List<Backend> inRotation) {
        for (Backend b : inRotation) {
            if (b.stickyId().equals(value)) {
                return b;
            }
        }
        return null;
    }

    /** One {@code Cookie} field without the cookies called {@code name}; null when nothing is left. */
    static String without(String cookieField, String name) {
        if (!cookieField.contains(name)) {
            return cookieField;
        }
        StringBuilder kept = new StringBuilder(cookieField.length());
        for (String pair : cookieField.split(";")) {
            int eq = pair.indexOf('=');
            String pairName = (eq < 0 ? pair : pair.substring(0, eq)).strip();
            if (pairName.equals(name) || pair.isBlank()) {
                continue;
            }
            if (kept.length() > 0) {
                kept.append("; ");
            }
            kept.append(pair.strip());
        }
        return kept.length() == 0 ? null : kept.toString();
    }

    /**
     * The {@code Set-Cookie} value pinning a client to the backend with this ID: a session cookie for
     * the whole site, out of scripts' reach ({@code HttpOnly}), not sent on cross-site subrequests
     * ({@code SameSite=Lax}), and only over TLS when it was set over TLS ({@code Secure}).
     */
    static String setCookie(String name, String stickyId, boolean secure) {
        return name + "=" + stickyId + "; Path=/; HttpOnly; SameSite=Lax" + (secure ? "; Secure" : "");
    }

    private static String unquoted(String value) {
        return value.length() >= 2 && value.startsWith("\"") && value.endsWith("\"")
                ? value.substring(1, value.length() - 1) : value;
    }
}
