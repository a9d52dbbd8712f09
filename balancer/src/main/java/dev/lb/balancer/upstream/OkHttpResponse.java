package dev.lb.balancer.upstream;

import okhttp3.Call;
import okhttp3.Response;

import java.io.InputStream;

/** An answer OkHttp carried, seen as a {@link BackendResponse}. */
final class OkHttpResponse implements BackendResponse {
    private final Call call;
    private final Response response;
    private final ResponseHead head;

    OkHttpResponse(Call call, Response response) {
        this.call = call;
        this.response = response;
        okhttp3.Headers headers = response.headers();
        String[] namesAndValues = new String[2 * headers.size()];
        for (int i = 0; i < headers.size(); i++) {
            namesAndValues[2 * i] = headers.name(i);
            namesAndValues[2 * i + 1] = headers.value(i);
        }
        this.head = new ResponseHead(response.code(), response.protocol() != okhttp3.Protocol.HTTP_1_0, namesAndValues);
    }

    @Override
    public ResponseHead head() {
        return head;
    }

    @Override
    public InputStream body() {
        return response.body().byteStream();
    }

    @Override
    public void cancel() {
        call.cancel();
    }

    @Override
    public void close() {
        response.close();
    }
}
