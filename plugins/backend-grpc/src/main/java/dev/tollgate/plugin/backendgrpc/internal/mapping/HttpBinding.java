package dev.tollgate.plugin.backendgrpc.internal.mapping;

import com.google.api.HttpRule;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

import static java.util.Objects.requireNonNull;

/**
 * One way to reach a method over HTTP: a method and path template, where the request body goes
 * ({@code ""} nowhere, {@code "*"} the whole request message, or one field's path), and which field
 * of the response is the response body ({@code ""} the whole message).
 *
 * @param httpMethod the HTTP method, upper case ({@code GET}, or a custom one)
 * @param template the path template
 * @param body where the JSON body goes
 * @param responseBody the response field answered, or empty for the whole response
 * @param fullMethodName the gRPC method, {@code package.Service/Method}
 */
public record HttpBinding(String httpMethod, PathTemplate template, String body, String responseBody, String fullMethodName) {

    public HttpBinding {
        requireNonNull(httpMethod, "httpMethod is null");
        requireNonNull(template, "template is null");
        requireNonNull(body, "body is null");
        requireNonNull(responseBody, "responseBody is null");
        requireNonNull(fullMethodName, "fullMethodName is null");
    }

    /** {@code POST /package.Service/Method} with the JSON request as body: every method has it. */
    public static HttpBinding defaultFor(String fullMethodName) {
        return new HttpBinding("POST", PathTemplate.parse("/" + fullMethodName), "*", "", fullMethodName);
    }

    /**
     * The bindings of a {@code google.api.http} rule and its additional bindings.
     *
     * @throws IllegalArgumentException naming the method when a rule is malformed
     */
    public static List<HttpBinding> fromRule(HttpRule rule, String fullMethodName) {
        List<HttpBinding> bindings = new ArrayList<>();
        bindings.add(one(rule, fullMethodName));
        for (HttpRule additional : rule.getAdditionalBindingsList()) {
            bindings.add(one(additional, fullMethodName));
        }
        return List.copyOf(bindings);
    }

    private static HttpBinding one(HttpRule rule, String fullMethodName) {
        String method;
        String path;
        switch (rule.getPatternCase()) {
            case GET -> { method = "GET"; path = rule.getGet(); }
            case PUT -> { method = "PUT"; path = rule.getPut(); }
            case POST -> { method = "POST"; path = rule.getPost(); }
            case DELETE -> { method = "DELETE"; path = rule.getDelete(); }
            case PATCH -> { method = "PATCH"; path = rule.getPatch(); }
            case CUSTOM -> { method = rule.getCustom().getKind().toUpperCase(Locale.ROOT); path = rule.getCustom().getPath(); }
            default -> throw new IllegalArgumentException("method " + fullMethodName + ": google.api.http rule without a pattern");
        }
        try {
            return new HttpBinding(method, PathTemplate.parse(path), rule.getBody(), rule.getResponseBody(), fullMethodName);
        }
        catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("method " + fullMethodName + ": " + e.getMessage(), e);
        }
    }

    /** Whether the request has a body to read. */
    public boolean hasBody() {
        return !body.isEmpty();
    }

    @Override
    public String toString() {
        return httpMethod + " " + template + " → " + fullMethodName;
    }
}
