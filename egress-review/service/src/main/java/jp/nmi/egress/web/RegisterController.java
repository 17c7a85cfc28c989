package jp.nmi.egress.web;

import java.util.Locale;
import jp.nmi.egress.config.EgressEnvironment;
import jp.nmi.enclave.transparency.DataUseRegister;
import org.springframework.http.HttpHeaders;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.stereotype.Controller;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;

/**
 * The public data-use register, served as generated (no sign-in: it is for patients and the
 * public): {@code /register} sends the reader to the page in their language, {@code /register/<file>}
 * serves the feed, the pages and their style sheet, nothing else.
 */
@Controller
public class RegisterController {
    private final EgressEnvironment env;

    public RegisterController(EgressEnvironment env) {
        this.env = env;
    }

    @GetMapping({"/register", "/register/"})
    public ResponseEntity<Void> page(Locale locale) {
        String lang = "en".equals(WebLocale.supported(locale).getLanguage()) ? "en" : "ja";
        return ResponseEntity.status(303).header(HttpHeaders.LOCATION, "/register/register." + lang + ".html").build();
    }

    @GetMapping("/register/{name}")
    public ResponseEntity<byte[]> file(@PathVariable String name) {
        if (!DataUseRegister.FILES.contains(name)) {
            return ResponseEntity.notFound().build();
        }
        return DataUseRegister.file(env.storage(), name).map(bytes -> ResponseEntity.ok()
                .contentType(name.endsWith(".json") ? MediaType.APPLICATION_JSON : name.endsWith(".css") ? MediaType.valueOf("text/css")
                        : MediaType.valueOf("text/html;charset=UTF-8"))
                .header(HttpHeaders.CACHE_CONTROL, "no-cache").body(bytes))
                .orElseGet(() -> ResponseEntity.notFound().build());
    }
}
