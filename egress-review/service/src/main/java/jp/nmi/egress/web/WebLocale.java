package jp.nmi.egress.web;

import java.util.Locale;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.web.servlet.LocaleResolver;
import org.springframework.web.servlet.config.annotation.InterceptorRegistry;
import org.springframework.web.servlet.config.annotation.WebMvcConfigurer;
import org.springframework.web.servlet.i18n.CookieLocaleResolver;
import org.springframework.web.servlet.i18n.LocaleChangeInterceptor;

/**
 * The pages speak Japanese or English: the browser's language decides until the reader picks one
 * with the switch in the header ({@code ?lang=ja} or {@code ?lang=en}), which a cookie remembers.
 * Any other language is English.
 */
@Configuration(proxyBeanMethods = false)
public class WebLocale implements WebMvcConfigurer {
    public static final String COOKIE = "ENCLAVE_LANG";

    @Bean
    LocaleResolver localeResolver() {
        CookieLocaleResolver r = new CookieLocaleResolver(COOKIE) {
            @Override
            public void setLocale(jakarta.servlet.http.HttpServletRequest request, jakarta.servlet.http.HttpServletResponse response,
                    Locale locale) {
                super.setLocale(request, response, supported(locale));
            }
        };
        r.setDefaultLocaleFunction(request -> supported(request.getLocale()));
        r.setCookieHttpOnly(true);
        r.setCookieSameSite("Strict");
        return r;
    }

    /** Japanese for a Japanese reader, English for everyone else. */
    static Locale supported(Locale l) {
        return l != null && "ja".equals(l.getLanguage()) ? Locale.JAPANESE : Locale.ENGLISH;
    }

    @Override
    public void addInterceptors(InterceptorRegistry registry) {
        LocaleChangeInterceptor change = new LocaleChangeInterceptor();
        change.setParamName("lang");
        change.setIgnoreInvalidLocale(true);
        registry.addInterceptor(change);
    }
}
