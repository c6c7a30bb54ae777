package org.grad4j.transformer;

import org.grad4j.TransformException;
import org.grad4j.transformer.inline.InlinedLines;

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

    /**
     * {@code org.Foo.bar (Foo.java:12)}; the line left out where unknown (not positive). A line of
     * an inlined helper ({@link InlinedLines}) names the call's line and then the helper's:
     * {@code org.Foo.bar (Foo.java:12), in org.Foo.penalty (Foo.java:30)}.
     */
    public String where(int line) {
        String file = sourceFile != null ? sourceFile : owner.substring(owner.lastIndexOf('/') + 1) + ".java";
        int own = InlinedLines.plain(line);
        String here = owner.replace('/', '.') + "." + method + " (" + file + (own > 0 ? ":" + own : "") + ")";
        return InlinedLines.isInlined(line) ? here + ", " + InlinedLines.inside(InlinedLines.frames(line)) : here;
    }
}
