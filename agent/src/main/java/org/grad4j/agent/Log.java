package org.grad4j.agent;

import java.util.function.Consumer;

/** One-line messages on {@code System.err}, each prefixed {@code grad4j:}. */
final class Log {
    private final boolean verbose;
    private final Consumer<String> sink;

    Log(boolean verbose) {
        this(verbose, line -> System.err.println(line));
    }

    Log(boolean verbose, Consumer<String> sink) {
        this.verbose = verbose;
        this.sink = sink;
    }

    boolean verbose() {
        return verbose;
    }

    /** Only with the {@code verbose} option. */
    void info(String message) {
        if (verbose) sink.accept("grad4j: " + message);
    }

    /** Always: something the user asked for did not happen (bad option, dump failed). */
    void warn(String message) {
        sink.accept("grad4j: " + message);
    }
}
