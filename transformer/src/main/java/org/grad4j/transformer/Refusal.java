package org.grad4j.transformer;

import org.grad4j.TransformException;

/**
 * Builds the one message format every refusal uses: where (class, method, source line), what
 * construct, and what to do instead.
 */
public record Refusal(String owner, String method, String sourceFile) {

    public TransformException at(int line, String construct, String remedy) {
        return new TransformException(message(line, construct, remedy));
    }

    public String message(int line, String construct, String remedy) {
        return "grad4j cannot differentiate " + where(line) + ": " + construct + ". " + remedy;
    }

    /** {@code org.Foo.bar (Foo.java:12)}; the line left out where unknown (not positive). */
    public String where(int line) {
        String file = sourceFile != null ? sourceFile : owner.substring(owner.lastIndexOf('/') + 1) + ".java";
        return owner.replace('/', '.') + "." + method + " (" + file + (line > 0 ? ":" + line : "") + ")";
    }
}
