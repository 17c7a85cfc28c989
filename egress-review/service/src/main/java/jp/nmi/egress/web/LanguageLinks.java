package jp.nmi.egress.web;

import jakarta.servlet.http.HttpServletRequest;
import java.net.URLDecoder;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.springframework.web.bind.annotation.ControllerAdvice;
import org.springframework.web.bind.annotation.ModelAttribute;

/**
 * The header's language switch links to the page being read, with everything else of its address
 * kept (a prefilled form, a login message), only {@code lang} set.
 */
@ControllerAdvice
public class LanguageLinks {
    @ModelAttribute("langJa")
    public String japanese(HttpServletRequest request) {
        return link(request, "ja");
    }

    @ModelAttribute("langEn")
    public String english(HttpServletRequest request) {
        return link(request, "en");
    }

    static String link(HttpServletRequest request, String lang) {
        List<String> kept = new ArrayList<>();
        String query = request.getQueryString();
        if (query != null) {
            for (String pair : query.split("&")) {
                String name = URLDecoder.decode(pair.split("=", 2)[0], StandardCharsets.UTF_8);
                if (!name.equals("lang") && !pair.isEmpty()) {
                    kept.add(pair);
                }
            }
        }
        kept.add("lang=" + URLEncoder.encode(lang, StandardCharsets.UTF_8));
        return "?" + String.join("&", kept);
    }
}
