package jp.nmi.enclave.sql;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.spark.SparkContext;
import org.apache.spark.scheduler.SparkListener;
import org.apache.spark.scheduler.SparkListenerJobStart;
import org.apache.spark.scheduler.SparkListenerStageCompleted;
import org.apache.spark.scheduler.SparkListenerTaskEnd;
import org.apache.spark.scheduler.StageInfo;

/**
 * Counts the rows a statement writes, for the audit log: Spark's writers record each task's output
 * rows in its task metrics, whatever the command (CREATE TABLE AS SELECT, INSERT, INSERT
 * OVERWRITE DIRECTORY); this listener adds them up by a local property set for the statement's jobs.
 */
final class WriteCounter extends SparkListener {
    /** A local property of the enclave's own: the caller's job group (a notebook's, to cancel work) stays theirs. */
    private static final String STATEMENT = "enclave.statement";

    private final SparkContext context;
    private final Map<Integer, String> stageGroups = new ConcurrentHashMap<>();
    private final Map<String, AtomicLong> written = new ConcurrentHashMap<>();
    /** Groups whose statement is still running; events of others are dropped, so nothing accumulates. */
    private final java.util.Set<String> active = ConcurrentHashMap.newKeySet();

    private WriteCounter(SparkContext context) {
        this.context = context;
    }

    static WriteCounter install(SparkContext context) {
        WriteCounter counter = new WriteCounter(context);
        context.addSparkListener(counter);
        return counter;
    }

    /** Tags the calling thread's Spark jobs with {@code group} until {@link #finish}. */
    void begin(String group) {
        active.add(group);
        context.setLocalProperty(STATEMENT, group);
    }

    /**
     * The rows written by the jobs of {@code group}, or null if it ran no task that wrote any.
     * Only a command can write ({@code wrote}); for a query nothing is waited for.
     */
    Long finish(String group, boolean wrote) {
        context.setLocalProperty(STATEMENT, null);
        try {
            if (!wrote) {
                return null;
            }
            try {
                // the listener bus is asynchronous: let it deliver what the statement's tasks reported
                context.listenerBus().waitUntilEmpty(5_000);
            } catch (java.util.concurrent.TimeoutException | RuntimeException e) {
                return null; // a count we could not wait for is unknown, not zero
            }
            AtomicLong rows = written.get(group);
            return rows == null || rows.get() == 0 ? null : rows.get();
        } finally {
            active.remove(group);
            written.remove(group);
            stageGroups.values().removeIf(group::equals);
        }
    }

    @Override
    public void onJobStart(SparkListenerJobStart job) {
        String group = job.properties() == null ? null : job.properties().getProperty(STATEMENT);
        if (group == null || !active.contains(group)) {
            return;
        }
        for (StageInfo stage : scala.jdk.javaapi.CollectionConverters.asJava(job.stageInfos())) {
            stageGroups.put(stage.stageId(), group);
        }
    }

    @Override
    public void onStageCompleted(SparkListenerStageCompleted stage) {
        String group = stageGroups.get(stage.stageInfo().stageId());
        if (group != null && !active.contains(group)) {
            stageGroups.remove(stage.stageInfo().stageId());
        }
    }

    @Override
    public void onTaskEnd(SparkListenerTaskEnd task) {
        String group = stageGroups.get(task.stageId());
        if (group == null || task.taskMetrics() == null) {
            return;
        }
        if (!active.contains(group)) {
            stageGroups.remove(task.stageId());
            return;
        }
        long rows = task.taskMetrics().outputMetrics().recordsWritten();
        if (rows > 0) {
            written.computeIfAbsent(group, g -> new AtomicLong()).addAndGet(rows);
        }
    }
}
