package jp.nmi.egress.api;

import java.util.LinkedHashMap;
import java.util.Map;
import jp.nmi.egress.disclosure.DisclosureException;
import jp.nmi.egress.request.InvalidStateTransitionException;
import jp.nmi.enclave.error.AccessDeniedException;
import jp.nmi.enclave.error.EnclaveStorageException;
import jp.nmi.enclave.error.NotFoundException;
import jp.nmi.enclave.error.ValidationException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.http.HttpStatus;
import org.springframework.http.ResponseEntity;
import org.springframework.http.converter.HttpMessageNotReadableException;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.RestControllerAdvice;

/** The API's errors: one JSON shape, a status that says what kind, a message that says what and why. */
@RestControllerAdvice(assignableTypes = {RequestsApi.class, jp.nmi.egress.discovery.BeaconApi.class,
        jp.nmi.egress.discovery.DiscoveryEndpoints.class})
public class ApiErrors {
    private static final Logger LOG = LoggerFactory.getLogger(ApiErrors.class);

    @ExceptionHandler({ValidationException.class, DisclosureException.class})
    ResponseEntity<Map<String, Object>> invalid(RuntimeException e) {
        return error(HttpStatus.BAD_REQUEST, "invalid", e.getMessage());
    }

    @ExceptionHandler(HttpMessageNotReadableException.class)
    ResponseEntity<Map<String, Object>> unreadable(HttpMessageNotReadableException e) {
        return error(HttpStatus.BAD_REQUEST, "invalid", "the request body is not valid JSON of the expected shape");
    }

    @ExceptionHandler(AccessDeniedException.class)
    ResponseEntity<Map<String, Object>> denied(AccessDeniedException e) {
        return error(HttpStatus.FORBIDDEN, "denied", e.getMessage());
    }

    @ExceptionHandler(NotFoundException.class)
    ResponseEntity<Map<String, Object>> notFound(NotFoundException e) {
        return error(HttpStatus.NOT_FOUND, "not_found", e.getMessage());
    }

    @ExceptionHandler(InvalidStateTransitionException.class)
    ResponseEntity<Map<String, Object>> conflict(InvalidStateTransitionException e) {
        return error(HttpStatus.CONFLICT, "invalid_state", e.getMessage());
    }

    @ExceptionHandler(EnclaveStorageException.class)
    ResponseEntity<Map<String, Object>> storage(EnclaveStorageException e) {
        LOG.error("storage failure", e);
        return error(HttpStatus.SERVICE_UNAVAILABLE, "storage", firstLine(e.getMessage()));
    }

    /** Hadoop's remote errors carry the server's stack trace in their message: callers get the first line. */
    public static String firstLine(String message) {
        if (message == null) {
            return "";
        }
        int nl = message.indexOf('\n');
        return nl < 0 ? message : message.substring(0, nl);
    }

    static ResponseEntity<Map<String, Object>> error(HttpStatus status, String kind, String message) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("error", kind);
        body.put("message", message);
        return ResponseEntity.status(status).body(body);
    }
}
