package jp.nmi.enclave.optout;

import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.LocalDate;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import jp.nmi.enclave.error.ValidationException;
import jp.nmi.enclave.io.CsvReader;

/**
 * A file of opt-out requests as the provider receives them: CSV with a {@code patient_id} column
 * (the source patient ID) and optionally {@code received_on} (YYYY-MM-DD). The whole file is
 * checked before anything is recorded.
 */
public final class OptoutRequests {
    /** One request: the source patient ID and the date it was received. */
    public record Request(String patientId, LocalDate receivedOn, int line) {}

    private OptoutRequests() {}

    public static List<Request> read(Path file) {
        String name = file.getFileName().toString();
        try (Reader reader = Files.newBufferedReader(file, StandardCharsets.UTF_8);
                CsvReader csv = new CsvReader(reader, name)) {
            List<String> header = csv.readHeader();
            for (int i = 0; i < header.size(); i++) {
                if (!Set.of("patient_id", "received_on").contains(header.get(i))) {
                    throw new ValidationException(name + " line 1: unknown column " + jp.nmi.enclave.io.FileValues.shown(header.get(i), i + 1)
                            + " (expected patient_id and optionally received_on; is the header line missing?)");
                }
            }
            int id = header.indexOf("patient_id");
            if (id < 0) {
                throw new ValidationException(name + " line 1: missing column 'patient_id'");
            }
            int received = header.indexOf("received_on");
            List<Request> requests = new ArrayList<>();
            for (CsvReader.Row row = csv.next(); row != null; row = csv.next()) {
                String patientId = row.get(id).strip();
                if (patientId.isEmpty()) {
                    throw new ValidationException(name + " line " + row.line() + ": patient_id is empty");
                }
                LocalDate date = LocalDate.now();
                if (received >= 0 && !row.get(received).isBlank()) {
                    try {
                        date = LocalDate.parse(row.get(received).strip());
                    } catch (DateTimeParseException e) {
                        throw new ValidationException(name + " line " + row.line() + ": received_on is not a date (expected YYYY-MM-DD)");
                    }
                }
                requests.add(new Request(patientId, date, row.line()));
            }
            return List.copyOf(requests);
        } catch (NoSuchFileException e) {
            throw new ValidationException("opt-out file " + file + " does not exist");
        } catch (IOException e) {
            throw new ValidationException("cannot read opt-out file " + file + ": " + e.getMessage(), e);
        }
    }
}
