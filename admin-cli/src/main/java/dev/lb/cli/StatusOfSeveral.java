package dev.lb.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.google.common.util.concurrent.ListenableFuture;
import dev.lb.admin.v1.GetStatusRequest;
import dev.lb.admin.v1.GetStatusResponse;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

/**
 * {@code lbctl status} against several balancers: all asked at once, each answer printed with the
 * balancer's address before every line, so {@code lbctl status | grep app-2} shows app-2 on each. A
 * balancer that does not answer is one line among the others, not the end of the command.
 */
final class StatusOfSeveral {
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private StatusOfSeveral() {
    }

    /**
     * One balancer's part.
     *
     * @param status   its answer; null when it gave none
     * @param problem  why there is no answer, in one line
     * @param exitCode {@link ExitCodes#OK}, {@link ExitCodes#UNREACHABLE} or {@link ExitCodes#FAILED}
     */
    record Answer(Target target, GetStatusResponse status, String problem, int exitCode) {
    }

    /** Asks, prints, and returns the exit code: see {@link #exitCode}. */
    static int show(List<Target> targets, ClientTls tls, String backend, boolean json, Duration deadline,
                    PrintWriter out, PrintWriter err) {
        List<Answer> answers = ask(targets, tls, backend, deadline);
        if (json) {
            out.println(json(answers));
        } else {
            print(answers, backend, out);
        }
        out.flush();
        summary(answers).ifPresent(line -> {
            err.println("lbctl: " + line);
            err.flush();
        });
        return exitCode(answers);
    }

    static List<Answer> ask(List<Target> targets, ClientTls tls, String backend, Duration deadline) {
        tls.credentials(); // a missing certificate file is a usage error, told once rather than per balancer
        GetStatusRequest request = GetStatusRequest.newBuilder().setBackend(backend == null ? "" : backend).build();
        List<AdminConnection> connections = new ArrayList<>();
        try {
            List<ListenableFuture<GetStatusResponse>> calls = new ArrayList<>();
            for (Target target : targets) {
                AdminConnection connection = new AdminConnection(target, tls);
                connections.add(connection);
                calls.add(connection.future().withDeadlineAfter(deadline.toMillis(), TimeUnit.MILLISECONDS).getStatus(request));
            }
            List<Answer> answers = new ArrayList<>();
            for (int i = 0; i < targets.size(); i++) {
                answers.add(answer(targets.get(i), calls.get(i), tls, backend, deadline));
            }
            return answers;
        } finally {
            connections.forEach(AdminConnection::close);
        }
    }

    private static Answer answer(Target target, ListenableFuture<GetStatusResponse> call, ClientTls tls, String backend,
                                 Duration deadline) {
        try {
            // Ends by the call's own deadline at the latest.
            return new Answer(target, call.get(), null, ExitCodes.OK);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new Answer(target, null, "interrupted", ExitCodes.FAILED);
        } catch (ExecutionException e) {
            if (!(e.getCause() instanceof StatusRuntimeException failed)) {
                return new Answer(target, null, "unexpected error: " + e.getCause(), ExitCodes.FAILED);
            }
            if (failed.getStatus().getCode() == Status.Code.NOT_FOUND) {
                return new Answer(target, null, "no backend \"" + backend + "\"", ExitCodes.FAILED);
            }
            CliFailure failure = RpcErrors.failure(target, tls, failed, deadline);
            return failure.exitCode() == ExitCodes.UNREACHABLE && RpcErrors.unreachable(failed)
                    ? new Answer(target, null, "unreachable (" + RpcErrors.why(failed, deadline) + ")", ExitCodes.UNREACHABLE)
                    : new Answer(target, null, failure.getMessage(), failure.exitCode());
        }
    }

    /**
     * 0 when every balancer answered, or some did and the rest could not be reached (they are shown as
     * such); 1 when any refused (a certificate, a role, no such backend); 3 when none could be reached.
     */
    static int exitCode(List<Answer> answers) {
        if (answers.stream().anyMatch(a -> a.exitCode() == ExitCodes.FAILED)) {
            return ExitCodes.FAILED;
        }
        if (answers.stream().noneMatch(a -> a.status() != null)) {
            return ExitCodes.UNREACHABLE;
        }
        return ExitCodes.OK;
    }

    /** One line for stderr naming the balancers without an answer, so a script's log says which. */
    private static java.util.Optional<String> summary(List<Answer> answers) {
        List<Answer> missing = answers.stream().filter(a -> a.status() == null).toList();
        if (missing.isEmpty()) {
            return java.util.Optional.empty();
        }
        String which = missing.stream().map(a -> a.target().toString()).collect(Collectors.joining(", "));
        return java.util.Optional.of(missing.size() == answers.size()
                ? "no answer from any of " + which
                : "no answer from " + which + " (" + missing.size() + " of " + answers.size() + "); the others are shown");
    }

    private static void print(List<Answer> answers, String backend, PrintWriter out) {
        int width = answers.stream().mapToInt(a -> a.target().toString().length()).max().orElse(0);
        for (Answer answer : answers) {
            String prefix = String.format("%-" + width + "s  ", answer.target());
            if (answer.status() == null) {
                out.println(prefix + answer.problem());
                continue;
            }
            StringWriter text = new StringWriter();
            PrintWriter into = new PrintWriter(text);
            if (backend == null) {
                StatusTable.print(answer.status(), into);
            } else {
                BackendDetail.print(answer.status().getBackends(0), StatusTable.serverNow(answer.status().getBalancer()), into);
            }
            into.flush();
            text.toString().lines().forEach(line -> out.println(prefix + line));
        }
    }

    /** {"instances": [{"target": "a:9090", "status": {...}}, {"target": "b:9090", "error": "...", "exitCode": 3}]} */
    static String json(List<Answer> answers) {
        ObjectNode root = JSON.createObjectNode();
        ArrayNode instances = root.putArray("instances");
        for (Answer answer : answers) {
            ObjectNode instance = instances.addObject().put("target", answer.target().toString());
            try {
                if (answer.status() != null) {
                    instance.set("status", JSON.readTree(Formats.json(answer.status())));
                } else {
                    instance.put("error", answer.problem()).put("exitCode", answer.exitCode());
                }
            } catch (JsonProcessingException e) {
                throw new IllegalStateException("protobuf's JSON printer wrote JSON Jackson cannot read", e);
            }
        }
        try {
            return JSON.writeValueAsString(root);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }
}
