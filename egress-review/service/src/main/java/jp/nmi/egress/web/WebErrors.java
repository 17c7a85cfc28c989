package jp.nmi.egress.web;

import jp.nmi.egress.disclosure.DisclosureException;
import jp.nmi.egress.request.InvalidStateTransitionException;
import jp.nmi.enclave.error.AccessDeniedException;
import jp.nmi.enclave.error.EnclaveStorageException;
import jp.nmi.enclave.error.NotFoundException;
import jp.nmi.enclave.error.ValidationException;
import jakarta.servlet.http.HttpServletResponse;
import org.springframework.ui.Model;
import org.springframework.web.bind.annotation.ControllerAdvice;
import org.springframework.web.bind.annotation.ExceptionHandler;

/** The pages' errors: the same messages as the API's, on a page with a way back. */
@ControllerAdvice(assignableTypes = {WebController.class, jp.nmi.egress.discovery.DiscoveryPage.class,
    jp.nmi.egress.discovery.CataloguePage.class})
public class WebErrors {
    @ExceptionHandler({ValidationException.class, DisclosureException.class})
    String invalid(RuntimeException e, Model model, HttpServletResponse response) {
        return page(400, "That cannot be done", e, model, response);
    }

    @ExceptionHandler(AccessDeniedException.class)
    String denied(AccessDeniedException e, Model model, HttpServletResponse response) {
        return page(403, "Not allowed", e, model, response);
    }

    @ExceptionHandler(NotFoundException.class)
    String notFound(NotFoundException e, Model model, HttpServletResponse response) {
        return page(404, "Not found", e, model, response);
    }

    @ExceptionHandler(InvalidStateTransitionException.class)
    String conflict(InvalidStateTransitionException e, Model model, HttpServletResponse response) {
        return page(409, "Not in this state", e, model, response);
    }

    @ExceptionHandler(EnclaveStorageException.class)
    String storage(EnclaveStorageException e, Model model, HttpServletResponse response) {
        return page(503, "Storage unavailable", e, model, response);
    }

    private static String page(int status, String title, RuntimeException e, Model model, HttpServletResponse response) {
        response.setStatus(status);
        model.addAttribute("status", status);
        model.addAttribute("title", title);
        model.addAttribute("message", jp.nmi.egress.api.ApiErrors.firstLine(e.getMessage()));
        return "error-page";
    }
}
