package org.grad4j.transformer.analysis;

import java.util.Set;
import org.objectweb.asm.Type;
import org.objectweb.asm.tree.MethodInsnNode;

/**
 * Calls that only make messages of what they are given: the logging APIs applications use
 * ({@code java.util.logging}, {@code System.Logger}, SLF4J with its fluent {@code atDebug()}
 * builder, Log4j 2 with {@code LogBuilder}, Commons Logging, JBoss Logging) and the argument
 * checks of Guava ({@code Preconditions.checkArgument}, {@code checkState}, {@code
 * Verify.verify}) and Commons Lang ({@code Validate.isTrue}, {@code validState}, {@code finite},
 * ...) that return nothing. A loss that logs or checks itself ({@code log.debug("loss {}",
 * loss)}, {@code Validate.isTrue(s < max, "loss %s", s)}) gives them boxed differentiable values,
 * an {@code Object[]} of them, or the arrays it works on; they only turn what they are given
 * into text (or drop it), never hand a number back, so the call runs as written and its
 * arguments are data from then on, as {@code printf}'s are. Their bodies are not differentiated:
 * an SLF4J {@code Logger} is an interface whose implementation is only known at run time, and
 * logging code (appenders, formatters, locks) carries no derivative.
 */
public final class MessageCalls {
    private MessageCalls() {}

    /** The loggers and their builders, as internal names. */
    private static final Set<String> LOGGERS = Set.of(
            "org/slf4j/Logger", "org/slf4j/spi/LoggingEventBuilder", "org/slf4j/ext/XLogger",
            "org/apache/logging/log4j/Logger", "org/apache/logging/log4j/LogBuilder",
            "org/apache/logging/log4j/spi/ExtendedLogger", "org/apache/logging/log4j/spi/AbstractLogger",
            "org/apache/commons/logging/Log",
            "org/jboss/logging/Logger", "org/jboss/logging/BasicLogger");

    /** Classes of argument checks: of these, the methods that return nothing only throw or not. */
    private static final Set<String> CHECKS = Set.of("com/google/common/base/Preconditions",
            "com/google/common/base/Verify", "org/apache/commons/lang3/Validate", "org/apache/commons/lang/Validate");

    /** Whether {@code call} only makes a message of its arguments: a logger's, a builder's, a check's. */
    public static boolean isMessageCall(MethodInsnNode call) {
        return isLogger(call.owner) || CHECKS.contains(call.owner) && Type.getReturnType(call.desc).getSort() == Type.VOID;
    }

    /** Whether the internal name is one of the loggers or builders: also the type of a builder a call returns. */
    static boolean isLogger(String internalName) {
        return LOGGERS.contains(internalName) || internalName.startsWith("java/util/logging/")
                || internalName.equals("java/lang/System$Logger");
    }
}
