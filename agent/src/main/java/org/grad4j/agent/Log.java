package org.grad4j.agent;

import java.util.function.Consumer;

/** One-line messages on {@code System.err}, each prefixed {@code grad4j:}. */
final class Log {
    private final boolean verbose;
    private final Consumer<String> sink; // null: System.err

    Log(boolean verbose) {
        this(verbose, null);
    }

    Log(boolean verbose, Consumer<String> sink) {
        this.verbose = verbose;
        this.sink = sink;
    }

    boolean verbose() {
        return verbose;
    }

    private void emit(String line) {
        if (sink == null) System.err.println(line); else sink.accept(line);
    }

    /** Only with the {@code verbose} option. */
    void info(String message) {
        if (verbose) emit("grad4j: " + message);
    }

    /** Always: something the user asked for did not happen (bad option, dump failed). */
    void warn(String message) {
        emit("grad4j: " + message);
    }
}
