package jp.nmi.notebook;

import static org.assertj.core.api.Assertions.assertThat;

import jp.nmi.enclave.error.AccessDeniedException;
import org.apache.zeppelin.interpreter.InterpreterResult;
import org.junit.jupiter.api.Test;

/** What a member sees when a paragraph fails: a denial's reason, or the kind of failure, never an exception's text or trace. */
class TestParagraphFailures {
    @Test
    void aDenialSaysWhy() {
        InterpreterResult r = EnclaveInterpreter.guarded("p", () -> {
            throw new AccessDeniedException("column birth_year is not approved for this project");
        });
        assertThat(r.code()).isEqualTo(InterpreterResult.Code.ERROR);
        assertThat(r.message().get(0).getData()).isEqualTo("Access denied: column birth_year is not approved for this project");
    }

    @Test
    void anyOtherFailureCheckedOrNotNamesItsKindOnly() {
        // Spark's exceptions are checked: Scala throws them undeclared, past a catch of RuntimeException
        Exception[] failures = {
            new org.apache.spark.SparkException("Job aborted: Lost task 0.3 reading hdfs://nn:8020/enclave/projects/P/extract/x.parquet"
                    + " where participant_id = 'P-0042'"),
            new IllegalStateException("Project [participant_id#12] +- Filter (region#3 = Kanto)"),
            new java.io.IOException("/enclave/projects/P/extract: Client cannot authenticate via:[TOKEN, KERBEROS]")};
        for (Exception failure : failures) {
            InterpreterResult r = EnclaveInterpreter.guarded("p", () -> {
                throw failure;
            });
            assertThat(r.code()).isEqualTo(InterpreterResult.Code.ERROR);
            assertThat(r.message()).hasSize(1);
            assertThat(r.message().get(0).getData()).isEqualTo("the enclave could not run this paragraph ("
                    + failure.getClass().getSimpleName() + "); the operators' log has the details");
        }
    }
}
