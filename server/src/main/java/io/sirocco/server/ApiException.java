package io.sirocco.server;

/**
 * A request the server refuses, with the HTTP status and OpenAI error fields it becomes:
 * {@code {"error": {"message", "type", "param", "code"}}}.
 */
public final class ApiException extends RuntimeException {
    private final int status;
    private final String type;
    private final String param;

    public ApiException(int status, String type, String message, String param) {
        super(message);
        this.status = status;
        this.type = type;
        this.param = param;
    }

    /** 400, naming the offending parameter (a JSON path such as {@code messages[2].content}). */
    public static ApiException badRequest(String param, String message) {
        return new ApiException(400, "BadRequestError", message, param);
    }

    public static ApiException notFound(String message) {
        return new ApiException(404, "NotFoundError", message, null);
    }

    public int status() {
        return status;
    }

    public String type() {
        return type;
    }

    public String param() {
        return param;
    }
}
