package dev.lb.balancer.upstream;

/**
 * Every bound the HTTP/1.1 codec ({@link Http1Codec}) puts on what a backend sends, in one place. Each
 * is there so a broken or hostile backend ends in a {@link java.net.ProtocolException} instead of
 * holding a request thread or its memory:
 *
 * <table>
 *   <caption>Limits on a backend's answer</caption>
 *   <tr><th>Limit</th><th>Default</th><th>Bounds</th></tr>
 *   <tr><td>{@code maxHeadBytes}</td><td>64 KiB</td><td>status line plus header section of one head</td></tr>
 *   <tr><td>{@code maxHeaderFields}</td><td>1000</td><td>header field lines in one head</td></tr>
 *   <tr><td>{@code maxInterimAnswers}</td><td>16</td><td>1xx answers skipped before the final one</td></tr>
 *   <tr><td>{@code maxChunkSizeLine}</td><td>4 KiB</td><td>one chunk-size line, extensions included</td></tr>
 *   <tr><td>{@code maxTrailerBytes}</td><td>64 KiB</td><td>the trailer section after the last chunk</td></tr>
 * </table>
 */
record Http1Limits(int maxHeadBytes, int maxHeaderFields, int maxInterimAnswers, int maxChunkSizeLine,
                   int maxTrailerBytes) {
    static final Http1Limits DEFAULT = new Http1Limits(64 * 1024, 1000, 16, 4 * 1024, 64 * 1024);
}
