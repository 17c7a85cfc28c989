package jp.nmi.notebook.guard;

import java.util.Optional;
import org.apache.zeppelin.notebook.NoteInfo;
import org.apache.zeppelin.notebook.Notebook;
import org.apache.zeppelin.server.ZeppelinServer;

/** Zeppelin's notebook, as the server that runs the guard holds it. */
final class ZeppelinNotes {
    private ZeppelinNotes() {}

    static Optional<Notebook> notebook() {
        if (ZeppelinServer.sharedServiceLocator == null) {
            return Optional.empty();
        }
        return Optional.ofNullable(ZeppelinServer.sharedServiceLocator.getService(Notebook.class));
    }

    /** The path of note {@code id} ({@code /DEMO-1/cohort overview}), if there is such a note. */
    static Optional<String> pathOf(String id) {
        if (id == null) {
            return Optional.empty();
        }
        return notebook().flatMap(nb -> nb.getNotesInfo().stream().filter(n -> id.equals(n.getId())).map(NoteInfo::getPath)
                .findFirst());
    }
}
