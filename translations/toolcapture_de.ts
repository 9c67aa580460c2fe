<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="de_DE">
<context>
    <name>CaptureDetail</name>
    <message>
        <location filename="../models/capture_detail.cpp" line="37"/>
        <source>not JSON: %1</source>
        <translation>kein JSON: %1</translation>
    </message>
    <message>
        <location filename="../models/capture_detail.cpp" line="42"/>
        <source>not a capture record</source>
        <translation>kein Mitschnitt-Datensatz</translation>
    </message>
</context>
<context>
    <name>CaptureFilter</name>
    <message>
        <location filename="../models/capture_filter.cpp" line="153"/>
        <source>unterminated quote</source>
        <translation>nicht abgeschlossenes Anführungszeichen</translation>
    </message>
    <message>
        <location filename="../models/capture_filter.cpp" line="182"/>
        <source>nothing to negate after &apos;%1&apos;</source>
        <translation>nach &apos;%1&apos; fehlt, was negiert werden soll</translation>
    </message>
    <message>
        <location filename="../models/capture_filter.cpp" line="241"/>
        <source>unknown field &apos;%1&apos; (fields: status, duration, id, service, instance, method, path, cid, error)</source>
        <translation>unbekanntes Feld &apos;%1&apos; (Felder: status, duration, id, service, instance, method, path, cid, error)</translation>
    </message>
    <message>
        <location filename="../models/capture_filter.cpp" line="253"/>
        <source>a value is missing after &apos;%1%2&apos;</source>
        <translation>nach &apos;%1%2&apos; fehlt ein Wert</translation>
    </message>
    <message>
        <location filename="../models/capture_filter.cpp" line="263"/>
        <source>&apos;%1&apos; compares numbers: use = != &lt; &lt;= &gt; &gt;=</source>
        <translation>&apos;%1&apos; vergleicht Zahlen: verwenden Sie = != &lt; &lt;= &gt; &gt;=</translation>
    </message>
    <message>
        <location filename="../models/capture_filter.cpp" line="273"/>
        <source>a status class is 1xx to 5xx</source>
        <translation>eine Statusklasse liegt zwischen 1xx und 5xx</translation>
    </message>
    <message>
        <location filename="../models/capture_filter.cpp" line="279"/>
        <source>a status class takes = or !=, not &apos;%1&apos;</source>
        <translation>eine Statusklasse erlaubt = oder !=, nicht &apos;%1&apos;</translation>
    </message>
    <message>
        <location filename="../models/capture_filter.cpp" line="293"/>
        <source>&apos;%1&apos; is not a status code (such as 404) or class (such as 5xx)</source>
        <translation>&apos;%1&apos; ist weder ein Statuscode (wie 404) noch eine Statusklasse (wie 5xx)</translation>
    </message>
    <message>
        <location filename="../models/capture_filter.cpp" line="298"/>
        <source>&apos;%1&apos; is not a number</source>
        <translation>&apos;%1&apos; ist keine Zahl</translation>
    </message>
    <message>
        <location filename="../models/capture_filter.cpp" line="304"/>
        <source>a status code is at most 599</source>
        <translation>ein Statuscode ist höchstens 599</translation>
    </message>
    <message>
        <location filename="../models/capture_filter.cpp" line="313"/>
        <source>&apos;%1&apos; takes : = != or ~, not &apos;%2&apos;</source>
        <translation>&apos;%1&apos; erlaubt : = != oder ~, nicht &apos;%2&apos;</translation>
    </message>
    <message>
        <location filename="../models/capture_filter.cpp" line="327"/>
        <source>bad regular expression: %1</source>
        <translation>ungültiger regulärer Ausdruck: %1</translation>
    </message>
</context>
<context>
    <name>Console</name>
    <message>
        <location filename="../app/main.cpp" line="91"/>
        <source>The proxy could not start:
%1</source>
        <translation>Der Proxy konnte nicht starten:
%1</translation>
    </message>
</context>
<context>
    <name>ReplayOutcome</name>
    <message>
        <location filename="../models/replay_outcome.cpp" line="22"/>
        <source>HTTP status %1</source>
        <translation>HTTP-Status %1</translation>
    </message>
    <message>
        <location filename="../models/replay_outcome.cpp" line="28"/>
        <source>the answer has no replay</source>
        <translation>die Antwort enthält keine Wiederholung</translation>
    </message>
</context>
<context>
    <name>ToolCapture::AdminProblem</name>
    <message>
        <location filename="../widgets/admin_problem.cpp" line="13"/>
        <source>no answer from the engine</source>
        <translation>keine Antwort von der Engine</translation>
    </message>
    <message>
        <location filename="../widgets/admin_problem.cpp" line="19"/>
        <location filename="../widgets/admin_problem.cpp" line="24"/>
        <source>%1 (HTTP %2)</source>
        <translation>%1 (HTTP %2)</translation>
    </message>
    <message>
        <location filename="../widgets/admin_problem.cpp" line="27"/>
        <source>HTTP status %1</source>
        <translation>HTTP-Status %1</translation>
    </message>
</context>
<context>
    <name>ToolCapture::AnomaliesModel</name>
    <message>
        <location filename="../models/patterns_model.cpp" line="285"/>
        <source>Latency</source>
        <translation>Latenz</translation>
    </message>
    <message>
        <location filename="../models/patterns_model.cpp" line="287"/>
        <source>Error rate</source>
        <translation>Fehlerrate</translation>
    </message>
    <message>
        <location filename="../models/patterns_model.cpp" line="289"/>
        <source>Load imbalance</source>
        <translation>Lastungleichgewicht</translation>
    </message>
    <message>
        <location filename="../models/patterns_model.cpp" line="291"/>
        <source>Failure risk</source>
        <translation>Ausfallrisiko</translation>
    </message>
    <message>
        <location filename="../models/patterns_model.cpp" line="338"/>
        <source>%1
last seen %2</source>
        <translation>%1
zuletzt gesehen %2</translation>
    </message>
    <message>
        <location filename="../models/patterns_model.cpp" line="355"/>
        <source>active</source>
        <translation>aktiv</translation>
    </message>
    <message>
        <location filename="../models/patterns_model.cpp" line="355"/>
        <source>over</source>
        <translation>beendet</translation>
    </message>
    <message>
        <location filename="../models/patterns_model.cpp" line="369"/>
        <source>Detected</source>
        <translation>Erkannt</translation>
    </message>
    <message>
        <location filename="../models/patterns_model.cpp" line="371"/>
        <source>Kind</source>
        <translation>Art</translation>
    </message>
    <message>
        <location filename="../models/patterns_model.cpp" line="373"/>
        <source>Where</source>
        <translation>Wo</translation>
    </message>
    <message>
        <location filename="../models/patterns_model.cpp" line="375"/>
        <source>Value</source>
        <translation>Wert</translation>
    </message>
    <message>
        <location filename="../models/patterns_model.cpp" line="377"/>
        <source>Baseline</source>
        <translation>Basiswert</translation>
    </message>
    <message>
        <location filename="../models/patterns_model.cpp" line="379"/>
        <source>Score</source>
        <translation>Bewertung</translation>
    </message>
    <message>
        <location filename="../models/patterns_model.cpp" line="381"/>
        <source>State</source>
        <translation>Zustand</translation>
    </message>
    <message>
        <location filename="../models/patterns_model.cpp" line="383"/>
        <source>Detail</source>
        <translation>Detail</translation>
    </message>
</context>
<context>
    <name>ToolCapture::BatchReplayDialog</name>
    <message>
        <location filename="../widgets/batch_replay_dialog.cpp" line="26"/>
        <source>none</source>
        <translation>keiner</translation>
    </message>
    <message>
        <location filename="../widgets/batch_replay_dialog.cpp" line="40"/>
        <source>&amp;Start</source>
        <translation>&amp;Starten</translation>
    </message>
    <message>
        <location filename="../widgets/batch_replay_dialog.cpp" line="41"/>
        <source>&amp;Cancel replays</source>
        <translation>Wiederholungen &amp;abbrechen</translation>
    </message>
    <message numerus="yes">
        <location filename="../widgets/batch_replay_dialog.cpp" line="45"/>
        <source>Replay %n capture(s)</source>
        <translation>
            <numerusform>%n Mitschnitt erneut senden</numerusform>
            <numerusform>%n Mitschnitte erneut senden</numerusform>
        </translation>
    </message>
    <message>
        <location filename="../widgets/batch_replay_dialog.cpp" line="48"/>
        <source>Replays in flight at once</source>
        <translation>Gleichzeitig laufende Wiederholungen</translation>
    </message>
    <message numerus="yes">
        <location filename="../widgets/batch_replay_dialog.cpp" line="53"/>
        <source>%n capture(s) selected. Choose where to send them and start.</source>
        <translation>
            <numerusform>%n Mitschnitt ausgewählt. Wählen Sie das Ziel und starten Sie.</numerusform>
            <numerusform>%n Mitschnitte ausgewählt. Wählen Sie das Ziel und starten Sie.</numerusform>
        </translation>
    </message>
    <message>
        <location filename="../widgets/batch_replay_dialog.cpp" line="59"/>
        <source>No.</source>
        <translation>Nr.</translation>
    </message>
    <message>
        <location filename="../widgets/batch_replay_dialog.cpp" line="59"/>
        <source>Request</source>
        <translation>Anfrage</translation>
    </message>
    <message>
        <location filename="../widgets/batch_replay_dialog.cpp" line="59"/>
        <source>Captured</source>
        <translation>Mitgeschnitten</translation>
    </message>
    <message>
        <location filename="../widgets/batch_replay_dialog.cpp" line="59"/>
        <source>Replayed</source>
        <translation>Wiederholt</translation>
    </message>
    <message>
        <location filename="../widgets/batch_replay_dialog.cpp" line="59"/>
        <source>Result</source>
        <translation>Ergebnis</translation>
    </message>
    <message>
        <location filename="../widgets/batch_replay_dialog.cpp" line="66"/>
        <location filename="../widgets/batch_replay_dialog.cpp" line="118"/>
        <source>waiting</source>
        <translation>wartet</translation>
    </message>
    <message>
        <location filename="../widgets/batch_replay_dialog.cpp" line="72"/>
        <source>Send to:</source>
        <translation>Senden an:</translation>
    </message>
    <message>
        <location filename="../widgets/batch_replay_dialog.cpp" line="73"/>
        <source>At once:</source>
        <translation>Gleichzeitig:</translation>
    </message>
    <message>
        <location filename="../widgets/batch_replay_dialog.cpp" line="89"/>
        <source>Double-click a result to see its diff.</source>
        <translation>Doppelklicken Sie auf ein Ergebnis, um die Unterschiede zu sehen.</translation>
    </message>
    <message>
        <location filename="../widgets/batch_replay_dialog.cpp" line="110"/>
        <source>Replayed %1 of %2…</source>
        <translation>%1 von %2 erneut gesendet…</translation>
    </message>
    <message>
        <location filename="../widgets/batch_replay_dialog.cpp" line="124"/>
        <source>Cancelling: the replays in flight finish first…</source>
        <translation>Abbruch: Laufende Wiederholungen werden noch abgeschlossen…</translation>
    </message>
    <message>
        <location filename="../widgets/batch_replay_dialog.cpp" line="135"/>
        <source>failed: %1</source>
        <translation>fehlgeschlagen: %1</translation>
    </message>
    <message>
        <location filename="../widgets/batch_replay_dialog.cpp" line="143"/>
        <source>status</source>
        <translation>Status</translation>
    </message>
    <message>
        <location filename="../widgets/batch_replay_dialog.cpp" line="145"/>
        <source>headers</source>
        <translation>Header</translation>
    </message>
    <message>
        <location filename="../widgets/batch_replay_dialog.cpp" line="147"/>
        <source>body</source>
        <translation>Body</translation>
    </message>
    <message>
        <location filename="../widgets/batch_replay_dialog.cpp" line="148"/>
        <source>changed: %1</source>
        <translation>geändert: %1</translation>
    </message>
    <message>
        <location filename="../widgets/batch_replay_dialog.cpp" line="151"/>
        <source>same</source>
        <translation>gleich</translation>
    </message>
    <message>
        <location filename="../widgets/batch_replay_dialog.cpp" line="160"/>
        <source>cancelled</source>
        <translation>abgebrochen</translation>
    </message>
    <message>
        <location filename="../widgets/batch_replay_dialog.cpp" line="165"/>
        <source>%1 replayed: %2 changed, %3 same, %4 failed.</source>
        <translation>%1 erneut gesendet: %2 geändert, %3 gleich, %4 fehlgeschlagen.</translation>
    </message>
    <message numerus="yes">
        <location filename="../widgets/batch_replay_dialog.cpp" line="171"/>
        <source>%n cancelled before they were sent.</source>
        <translation>
            <numerusform>%n vor dem Senden abgebrochen.</numerusform>
            <numerusform>%n vor dem Senden abgebrochen.</numerusform>
        </translation>
    </message>
    <message>
        <location filename="../widgets/batch_replay_dialog.cpp" line="198"/>
        <source>Diff of capture #%1</source>
        <translation>Unterschiede zu Mitschnitt #%1</translation>
    </message>
    <message>
        <location filename="../widgets/batch_replay_dialog.cpp" line="202"/>
        <source>The captured record could not be read: %1</source>
        <translation>Der Mitschnitt konnte nicht gelesen werden: %1</translation>
    </message>
</context>
<context>
    <name>ToolCapture::BreakerAuditModel</name>
    <message>
        <location filename="../models/breaker_audit_model.cpp" line="63"/>
        <source>Mode before: %1</source>
        <translation>Modus vorher: %1</translation>
    </message>
    <message>
        <location filename="../models/breaker_audit_model.cpp" line="72"/>
        <source>(not given)</source>
        <translation>(nicht angegeben)</translation>
    </message>
    <message>
        <location filename="../models/breaker_audit_model.cpp" line="90"/>
        <source>Time</source>
        <translation>Zeit</translation>
    </message>
    <message>
        <location filename="../models/breaker_audit_model.cpp" line="92"/>
        <source>Instance</source>
        <translation>Instanz</translation>
    </message>
    <message>
        <location filename="../models/breaker_audit_model.cpp" line="94"/>
        <source>Who</source>
        <translation>Wer</translation>
    </message>
    <message>
        <location filename="../models/breaker_audit_model.cpp" line="96"/>
        <source>Before</source>
        <translation>Vorher</translation>
    </message>
    <message>
        <location filename="../models/breaker_audit_model.cpp" line="98"/>
        <source>Set to</source>
        <translation>Gesetzt auf</translation>
    </message>
    <message>
        <location filename="../models/breaker_audit_model.cpp" line="100"/>
        <source>Reason</source>
        <translation>Grund</translation>
    </message>
</context>
<context>
    <name>ToolCapture::BreakerCommandDialog</name>
    <message>
        <location filename="../widgets/breaker_command_dialog.cpp" line="20"/>
        <source>%1: %2</source>
        <translation>%1: %2</translation>
    </message>
    <message>
        <location filename="../widgets/breaker_command_dialog.cpp" line="23"/>
        <source>Every request to %1 is refused until the breaker returns to Auto.</source>
        <translation>Jede Anfrage an %1 wird abgewiesen, bis der Breaker wieder auf Automatisch steht.</translation>
    </message>
    <message>
        <location filename="../widgets/breaker_command_dialog.cpp" line="25"/>
        <source>Every request may reach %1; its breaker never trips until Auto.</source>
        <translation>Jede Anfrage darf %1 erreichen; der Breaker löst nicht aus, bis er wieder auf Automatisch steht.</translation>
    </message>
    <message>
        <location filename="../widgets/breaker_command_dialog.cpp" line="27"/>
        <source>The breaker of %1 stops breaking; outcomes are still counted.</source>
        <translation>Der Breaker von %1 unterbricht nicht mehr; Ergebnisse werden weiterhin gezählt.</translation>
    </message>
    <message>
        <location filename="../widgets/breaker_command_dialog.cpp" line="29"/>
        <source>The breaker of %1 returns to its automatic state machine.</source>
        <translation>Der Breaker von %1 kehrt zu seiner automatischen Zustandsmaschine zurück.</translation>
    </message>
    <message>
        <location filename="../widgets/breaker_command_dialog.cpp" line="35"/>
        <source>optional, kept in the audit</source>
        <translation>optional, wird im Audit gespeichert</translation>
    </message>
    <message>
        <location filename="../widgets/breaker_command_dialog.cpp" line="37"/>
        <source>&amp;Who:</source>
        <translation>&amp;Wer:</translation>
    </message>
    <message>
        <location filename="../widgets/breaker_command_dialog.cpp" line="38"/>
        <source>&amp;Reason:</source>
        <translation>&amp;Grund:</translation>
    </message>
    <message>
        <location filename="../widgets/breaker_command_dialog.cpp" line="68"/>
        <source>Force open</source>
        <translation>Offen erzwingen</translation>
    </message>
    <message>
        <location filename="../widgets/breaker_command_dialog.cpp" line="70"/>
        <source>Force closed</source>
        <translation>Geschlossen erzwingen</translation>
    </message>
    <message>
        <location filename="../widgets/breaker_command_dialog.cpp" line="72"/>
        <source>Disable</source>
        <translation>Deaktivieren</translation>
    </message>
    <message>
        <location filename="../widgets/breaker_command_dialog.cpp" line="73"/>
        <source>Auto</source>
        <translation>Automatisch</translation>
    </message>
</context>
<context>
    <name>ToolCapture::BreakerTransitionsModel</name>
    <message>
        <location filename="../models/breaker_transitions_model.cpp" line="164"/>
        <source>Time</source>
        <translation>Zeit</translation>
    </message>
    <message>
        <location filename="../models/breaker_transitions_model.cpp" line="166"/>
        <source>Instance</source>
        <translation>Instanz</translation>
    </message>
    <message>
        <location filename="../models/breaker_transitions_model.cpp" line="168"/>
        <source>From</source>
        <translation>Von</translation>
    </message>
    <message>
        <location filename="../models/breaker_transitions_model.cpp" line="170"/>
        <source>To</source>
        <translation>Nach</translation>
    </message>
    <message>
        <location filename="../models/breaker_transitions_model.cpp" line="172"/>
        <source>Cause</source>
        <translation>Ursache</translation>
    </message>
</context>
<context>
    <name>ToolCapture::BreakersModel</name>
    <message>
        <location filename="../models/breakers_model.cpp" line="132"/>
        <source>Closed</source>
        <translation>Geschlossen</translation>
    </message>
    <message>
        <location filename="../models/breakers_model.cpp" line="134"/>
        <source>Open</source>
        <translation>Offen</translation>
    </message>
    <message>
        <location filename="../models/breakers_model.cpp" line="136"/>
        <source>Half-open</source>
        <translation>Halb offen</translation>
    </message>
    <message>
        <location filename="../models/breakers_model.cpp" line="138"/>
        <location filename="../models/breakers_model.cpp" line="150"/>
        <source>Forced open</source>
        <translation>Erzwungen offen</translation>
    </message>
    <message>
        <location filename="../models/breakers_model.cpp" line="140"/>
        <location filename="../models/breakers_model.cpp" line="152"/>
        <source>Forced closed</source>
        <translation>Erzwungen geschlossen</translation>
    </message>
    <message>
        <location filename="../models/breakers_model.cpp" line="142"/>
        <location filename="../models/breakers_model.cpp" line="154"/>
        <source>Disabled</source>
        <translation>Deaktiviert</translation>
    </message>
    <message>
        <location filename="../models/breakers_model.cpp" line="148"/>
        <source>Auto</source>
        <translation>Automatisch</translation>
    </message>
    <message>
        <location filename="../models/breakers_model.cpp" line="161"/>
        <source>Failure-rate threshold: %1</source>
        <translation>Schwelle der Fehlerrate: %1</translation>
    </message>
    <message>
        <location filename="../models/breakers_model.cpp" line="163"/>
        <source>Slow-call threshold: %1 of calls slower than %2 ms</source>
        <translation>Schwelle für langsame Aufrufe: %1 der Aufrufe langsamer als %2 ms</translation>
    </message>
    <message numerus="yes">
        <location filename="../models/breakers_model.cpp" line="167"/>
        <source>Rates count from %n call(s) in the window.</source>
        <translation>
            <numerusform>Raten zählen ab %n Aufruf im Fenster.</numerusform>
            <numerusform>Raten zählen ab %n Aufrufen im Fenster.</numerusform>
        </translation>
    </message>
    <message>
        <location filename="../models/breakers_model.cpp" line="169"/>
        <source>Last transition: %1</source>
        <translation>Letzter Übergang: %1</translation>
    </message>
    <message>
        <location filename="../models/breakers_model.cpp" line="173"/>
        <source>%1 ms</source>
        <translation>%1 ms</translation>
    </message>
    <message>
        <location filename="../models/breakers_model.cpp" line="174"/>
        <source>&lt; 1 ms</source>
        <translation>&lt; 1 ms</translation>
    </message>
    <message>
        <location filename="../models/breakers_model.cpp" line="180"/>
        <source>  failure</source>
        <translation>  Fehler</translation>
    </message>
    <message>
        <location filename="../models/breakers_model.cpp" line="182"/>
        <source>  slow</source>
        <translation>  langsam</translation>
    </message>
    <message>
        <location filename="../models/breakers_model.cpp" line="199"/>
        <location filename="../models/breakers_model.cpp" line="203"/>
        <source>%1 of %2</source>
        <translation>%1 von %2</translation>
    </message>
    <message>
        <location filename="../models/breakers_model.cpp" line="202"/>
        <source>%1 (no limit)</source>
        <translation>%1 (kein Limit)</translation>
    </message>
    <message>
        <location filename="../models/breakers_model.cpp" line="282"/>
        <source>Instance</source>
        <translation>Instanz</translation>
    </message>
    <message>
        <location filename="../models/breakers_model.cpp" line="284"/>
        <source>Service</source>
        <translation>Dienst</translation>
    </message>
    <message>
        <location filename="../models/breakers_model.cpp" line="286"/>
        <source>State</source>
        <translation>Zustand</translation>
    </message>
    <message>
        <location filename="../models/breakers_model.cpp" line="288"/>
        <source>Mode</source>
        <translation>Modus</translation>
    </message>
    <message>
        <location filename="../models/breakers_model.cpp" line="290"/>
        <source>Failure rate</source>
        <translation>Fehlerrate</translation>
    </message>
    <message>
        <location filename="../models/breakers_model.cpp" line="292"/>
        <source>Slow-call rate</source>
        <translation>Anteil langsam</translation>
    </message>
    <message>
        <location filename="../models/breakers_model.cpp" line="294"/>
        <source>Calls</source>
        <translation>Aufrufe</translation>
    </message>
    <message>
        <location filename="../models/breakers_model.cpp" line="296"/>
        <source>Failures</source>
        <translation>Fehler</translation>
    </message>
    <message>
        <location filename="../models/breakers_model.cpp" line="298"/>
        <source>Slow</source>
        <translation>Langsam</translation>
    </message>
    <message>
        <location filename="../models/breakers_model.cpp" line="300"/>
        <source>Open until</source>
        <translation>Offen bis</translation>
    </message>
    <message>
        <location filename="../models/breakers_model.cpp" line="302"/>
        <source>Last transition</source>
        <translation>Letzter Übergang</translation>
    </message>
</context>
<context>
    <name>ToolCapture::BreakersView</name>
    <message>
        <location filename="../widgets/breakers_view.cpp" line="37"/>
        <source>no answer from the engine</source>
        <translation>keine Antwort von der Engine</translation>
    </message>
    <message>
        <location filename="../widgets/breakers_view.cpp" line="43"/>
        <source>%1 (HTTP %2)</source>
        <translation>%1 (HTTP %2)</translation>
    </message>
    <message>
        <location filename="../widgets/breakers_view.cpp" line="44"/>
        <source>HTTP %1 %2</source>
        <translation>HTTP %1 %2</translation>
    </message>
    <message>
        <location filename="../widgets/breakers_view.cpp" line="91"/>
        <source>Select a breaker to see its thresholds and trip story.</source>
        <translation>Wählen Sie einen Breaker, um seine Schwellen und Auslösehistorie zu sehen.</translation>
    </message>
    <message>
        <location filename="../widgets/breakers_view.cpp" line="122"/>
        <source>Thresholds and trip story</source>
        <translation>Schwellen und Auslösehistorie</translation>
    </message>
    <message>
        <location filename="../widgets/breakers_view.cpp" line="127"/>
        <source>Transitions</source>
        <translation>Übergänge</translation>
    </message>
    <message>
        <location filename="../widgets/breakers_view.cpp" line="132"/>
        <source>Operator commands (who, when, why)</source>
        <translation>Operator-Befehle (wer, wann, warum)</translation>
    </message>
    <message>
        <location filename="../widgets/breakers_view.cpp" line="268"/>
        <source>%1: sending %2…</source>
        <translation>%1: %2 wird gesendet…</translation>
    </message>
    <message>
        <location filename="../widgets/breakers_view.cpp" line="276"/>
        <source>%1: %2, now %3</source>
        <translation>%1: %2, jetzt %3</translation>
    </message>
    <message>
        <location filename="../widgets/breakers_view.cpp" line="285"/>
        <source>%1: %2 failed</source>
        <translation>%1: %2 fehlgeschlagen</translation>
    </message>
    <message>
        <location filename="../widgets/breakers_view.cpp" line="287"/>
        <source>Breaker command failed</source>
        <translation>Breaker-Befehl fehlgeschlagen</translation>
    </message>
    <message>
        <location filename="../widgets/breakers_view.cpp" line="288"/>
        <source>%1 on %2 failed:
%3</source>
        <translation>%1 für %2 fehlgeschlagen:
%3</translation>
    </message>
</context>
<context>
    <name>ToolCapture::CacheEntryModel</name>
    <message>
        <location filename="../models/cache_entry_model.cpp" line="22"/>
        <source>HTTP status %1</source>
        <translation>HTTP-Status %1</translation>
    </message>
    <message>
        <location filename="../models/cache_entry_model.cpp" line="166"/>
        <source>%1 B</source>
        <translation>%1 B</translation>
    </message>
    <message>
        <location filename="../models/cache_entry_model.cpp" line="168"/>
        <source>%1 KiB</source>
        <translation>%1 KiB</translation>
    </message>
    <message>
        <location filename="../models/cache_entry_model.cpp" line="169"/>
        <source>%1 MiB</source>
        <translation>%1 MiB</translation>
    </message>
    <message>
        <location filename="../models/cache_entry_model.cpp" line="177"/>
        <source>%1 s</source>
        <translation>%1 s</translation>
    </message>
    <message>
        <location filename="../models/cache_entry_model.cpp" line="179"/>
        <source>%1 min %2 s</source>
        <translation>%1 min %2 s</translation>
    </message>
    <message>
        <location filename="../models/cache_entry_model.cpp" line="181"/>
        <source>%1 h %2 min</source>
        <translation>%1 h %2 min</translation>
    </message>
    <message>
        <location filename="../models/cache_entry_model.cpp" line="182"/>
        <source>stale for %1</source>
        <translation>seit %1 veraltet</translation>
    </message>
    <message>
        <location filename="../models/cache_entry_model.cpp" line="226"/>
        <source>From the response: s-maxage, max-age or Expires</source>
        <translation>Aus der Antwort: s-maxage, max-age oder Expires</translation>
    </message>
    <message>
        <location filename="../models/cache_entry_model.cpp" line="228"/>
        <source>Heuristic: a fraction of the time since Last-Modified</source>
        <translation>Heuristisch: ein Bruchteil der Zeit seit Last-Modified</translation>
    </message>
    <message>
        <location filename="../models/cache_entry_model.cpp" line="230"/>
        <source>Learned from how often this operation&apos;s response changes</source>
        <translation>Gelernt daraus, wie oft sich die Antwort dieser Operation ändert</translation>
    </message>
    <message>
        <location filename="../models/cache_entry_model.cpp" line="267"/>
        <source>Key</source>
        <translation>Schlüssel</translation>
    </message>
    <message>
        <location filename="../models/cache_entry_model.cpp" line="269"/>
        <source>Service</source>
        <translation>Dienst</translation>
    </message>
    <message>
        <location filename="../models/cache_entry_model.cpp" line="271"/>
        <source>Size</source>
        <translation>Größe</translation>
    </message>
    <message>
        <location filename="../models/cache_entry_model.cpp" line="273"/>
        <source>Age</source>
        <translation>Alter</translation>
    </message>
    <message>
        <location filename="../models/cache_entry_model.cpp" line="275"/>
        <source>TTL left</source>
        <translation>Verbleibende TTL</translation>
    </message>
    <message>
        <location filename="../models/cache_entry_model.cpp" line="277"/>
        <source>TTL source</source>
        <translation>TTL-Quelle</translation>
    </message>
    <message>
        <location filename="../models/cache_entry_model.cpp" line="279"/>
        <source>Hits</source>
        <translation>Treffer</translation>
    </message>
    <message>
        <location filename="../models/cache_entry_model.cpp" line="281"/>
        <source>Status</source>
        <translation>Status</translation>
    </message>
</context>
<context>
    <name>ToolCapture::CacheView</name>
    <message>
        <location filename="../widgets/cache_view.cpp" line="33"/>
        <source>&amp;Refresh</source>
        <translation>&amp;Aktualisieren</translation>
    </message>
    <message>
        <location filename="../widgets/cache_view.cpp" line="34"/>
        <source>Purge &amp;selected…</source>
        <translation>&amp;Ausgewählten löschen…</translation>
    </message>
    <message>
        <location filename="../widgets/cache_view.cpp" line="35"/>
        <source>Purge &amp;prefix…</source>
        <translation>&amp;Präfix löschen…</translation>
    </message>
    <message>
        <location filename="../widgets/cache_view.cpp" line="36"/>
        <location filename="../widgets/cache_view.cpp" line="260"/>
        <source>Purge &amp;all…</source>
        <translation>A&amp;lle löschen…</translation>
    </message>
    <message>
        <location filename="../widgets/cache_view.cpp" line="49"/>
        <source>All services</source>
        <translation>Alle Dienste</translation>
    </message>
    <message>
        <location filename="../widgets/cache_view.cpp" line="51"/>
        <source>Key prefix, e.g. catalog http://</source>
        <translation>Schlüsselpräfix, z. B. catalog http://</translation>
    </message>
    <message>
        <location filename="../widgets/cache_view.cpp" line="64"/>
        <source>S&amp;ervice:</source>
        <translation>&amp;Dienst:</translation>
    </message>
    <message>
        <location filename="../widgets/cache_view.cpp" line="68"/>
        <source>&amp;Key prefix:</source>
        <translation>&amp;Schlüsselpräfix:</translation>
    </message>
    <message>
        <location filename="../widgets/cache_view.cpp" line="74"/>
        <source>Hits/s</source>
        <translation>Treffer/s</translation>
    </message>
    <message>
        <location filename="../widgets/cache_view.cpp" line="75"/>
        <source>Misses/s</source>
        <translation>Fehlschläge/s</translation>
    </message>
    <message>
        <location filename="../widgets/cache_view.cpp" line="76"/>
        <source>Stale/s</source>
        <translation>Veraltet/s</translation>
    </message>
    <message>
        <location filename="../widgets/cache_view.cpp" line="78"/>
        <source>Cache lookups per second</source>
        <translation>Cache-Abfragen pro Sekunde</translation>
    </message>
    <message>
        <location filename="../widgets/cache_view.cpp" line="80"/>
        <source>seconds ago</source>
        <translation>Sekunden zuvor</translation>
    </message>
    <message>
        <location filename="../widgets/cache_view.cpp" line="83"/>
        <source>per s</source>
        <translation>pro s</translation>
    </message>
    <message>
        <location filename="../widgets/cache_view.cpp" line="155"/>
        <location filename="../widgets/cache_view.cpp" line="385"/>
        <source>This engine has no response cache (cache.enabled is false).</source>
        <translation>Diese Engine hat keinen Antwort-Cache (cache.enabled ist false).</translation>
    </message>
    <message>
        <location filename="../widgets/cache_view.cpp" line="156"/>
        <source>The cache entries could not be read: %1</source>
        <translation>Die Cache-Einträge konnten nicht gelesen werden: %1</translation>
    </message>
    <message numerus="yes">
        <location filename="../widgets/cache_view.cpp" line="164"/>
        <source>Purged %n cache entry(ies)</source>
        <translation>
            <numerusform>%n Cache-Eintrag gelöscht</numerusform>
            <numerusform>%n Cache-Einträge gelöscht</numerusform>
        </translation>
    </message>
    <message>
        <location filename="../widgets/cache_view.cpp" line="168"/>
        <location filename="../widgets/cache_view.cpp" line="170"/>
        <source>The purge did not complete: %1</source>
        <translation>Das Leeren wurde nicht abgeschlossen: %1</translation>
    </message>
    <message>
        <source>The cache was not purged: %1</source>
        <translation type="vanished">Der Cache wurde nicht geleert: %1</translation>
    </message>
    <message>
        <location filename="../widgets/cache_view.cpp" line="169"/>
        <source>Purge failed</source>
        <translation>Löschen fehlgeschlagen</translation>
    </message>
    <message>
        <location filename="../widgets/cache_view.cpp" line="261"/>
        <source>Purge &amp;all of %1…</source>
        <translation>A&amp;lles von %1 löschen…</translation>
    </message>
    <message>
        <location filename="../widgets/cache_view.cpp" line="266"/>
        <source>No response cache on this engine.</source>
        <translation>Diese Engine hat keinen Antwort-Cache.</translation>
    </message>
    <message>
        <location filename="../widgets/cache_view.cpp" line="276"/>
        <source>no lookups yet</source>
        <translation>noch keine Abfragen</translation>
    </message>
    <message>
        <location filename="../widgets/cache_view.cpp" line="277"/>
        <source>%1 % hits</source>
        <translation>%1 % Treffer</translation>
    </message>
    <message>
        <location filename="../widgets/cache_view.cpp" line="279"/>
        <source>%1 · %2 entries · %3 · %4 stored · %5 evicted · %6 listed</source>
        <translation>%1 · %2 Einträge · %3 · %4 gespeichert · %5 verdrängt · %6 aufgelistet</translation>
    </message>
    <message>
        <location filename="../widgets/cache_view.cpp" line="289"/>
        <source>Redis connected</source>
        <translation>Redis verbunden</translation>
    </message>
    <message>
        <location filename="../widgets/cache_view.cpp" line="291"/>
        <source>Redis partly connected</source>
        <translation>Redis teilweise verbunden</translation>
    </message>
    <message>
        <location filename="../widgets/cache_view.cpp" line="293"/>
        <source>Redis connecting</source>
        <translation>Redis verbindet</translation>
    </message>
    <message>
        <location filename="../widgets/cache_view.cpp" line="295"/>
        <source>Redis DOWN</source>
        <translation>Redis NICHT ERREICHBAR</translation>
    </message>
    <message>
        <location filename="../widgets/cache_view.cpp" line="303"/>
        <source>%1 (%2)</source>
        <translation>%1 (%2)</translation>
    </message>
    <message>
        <location filename="../widgets/cache_view.cpp" line="308"/>
        <source>%1 · other proxies&apos; purges NOT received</source>
        <translation>%1 · Purges anderer Proxys werden NICHT empfangen</translation>
    </message>
    <message>
        <location filename="../widgets/cache_view.cpp" line="310"/>
        <source>Not subscribed to the other proxies&apos; invalidations.</source>
        <translation>Nicht für die Invalidierungen der anderen Proxys angemeldet.</translation>
    </message>
    <message>
        <location filename="../widgets/cache_view.cpp" line="311"/>
        <source>Not subscribed to the other proxies&apos; invalidations: %1</source>
        <translation>Nicht für die Invalidierungen der anderen Proxys angemeldet: %1</translation>
    </message>
    <message>
        <location filename="../widgets/cache_view.cpp" line="314"/>
        <source>%1 · %2</source>
        <translation>%1 · %2</translation>
    </message>
    <message>
        <location filename="../widgets/cache_view.cpp" line="330"/>
        <source>Purge the cache entry %1 and its variants?</source>
        <translation>Den Cache-Eintrag %1 und seine Varianten löschen?</translation>
    </message>
    <message>
        <location filename="../widgets/cache_view.cpp" line="337"/>
        <source>Purge every cache entry whose key starts with %1?</source>
        <translation>Jeden Cache-Eintrag löschen, dessen Schlüssel mit %1 beginnt?</translation>
    </message>
    <message>
        <location filename="../widgets/cache_view.cpp" line="344"/>
        <source>Purge every cache entry of the service %1?</source>
        <translation>Jeden Cache-Eintrag des Dienstes %1 löschen?</translation>
    </message>
    <message>
        <location filename="../widgets/cache_view.cpp" line="347"/>
        <source>Purge every entry of the response cache?</source>
        <translation>Jeden Eintrag des Antwort-Caches löschen?</translation>
    </message>
    <message>
        <location filename="../widgets/cache_view.cpp" line="351"/>
        <source>Purge the cache</source>
        <translation>Cache leeren</translation>
    </message>
    <message>
        <location filename="../widgets/cache_view.cpp" line="354"/>
        <source>The next requests for these resources go to the services.</source>
        <translation>Die nächsten Anfragen für diese Ressourcen gehen an die Dienste.</translation>
    </message>
    <message>
        <location filename="../widgets/cache_view.cpp" line="356"/>
        <source>Purge</source>
        <translation>Löschen</translation>
    </message>
    <message>
        <location filename="../widgets/cache_view.cpp" line="359"/>
        <source>Purging the cache…</source>
        <translation>Der Cache wird geleert…</translation>
    </message>
</context>
<context>
    <name>ToolCapture::CaptureExportJob</name>
    <message>
        <location filename="../models/capture_export_job.cpp" line="23"/>
        <source>Nothing to export.</source>
        <translation>Nichts zu exportieren.</translation>
    </message>
    <message>
        <location filename="../models/capture_export_job.cpp" line="46"/>
        <source>HTTP status %1</source>
        <translation>HTTP-Status %1</translation>
    </message>
    <message>
        <location filename="../models/capture_export_job.cpp" line="48"/>
        <source>Export of %1 failed: %2</source>
        <translation>Export von %1 fehlgeschlagen: %2</translation>
    </message>
</context>
<context>
    <name>ToolCapture::CaptureInspector</name>
    <message>
        <location filename="../widgets/capture_inspector.cpp" line="29"/>
        <source>Field</source>
        <translation>Feld</translation>
    </message>
    <message>
        <location filename="../widgets/capture_inspector.cpp" line="29"/>
        <source>Value</source>
        <translation>Wert</translation>
    </message>
    <message>
        <location filename="../widgets/capture_inspector.cpp" line="94"/>
        <source>&lt;b&gt;Timings&lt;/b&gt;</source>
        <translation>&lt;b&gt;Zeiten&lt;/b&gt;</translation>
    </message>
    <message>
        <location filename="../widgets/capture_inspector.cpp" line="104"/>
        <source>Overview</source>
        <translation>Übersicht</translation>
    </message>
    <message>
        <location filename="../widgets/capture_inspector.cpp" line="105"/>
        <location filename="../widgets/capture_inspector.cpp" line="157"/>
        <source>Request</source>
        <translation>Anfrage</translation>
    </message>
    <message>
        <location filename="../widgets/capture_inspector.cpp" line="106"/>
        <source>Response</source>
        <translation>Antwort</translation>
    </message>
    <message>
        <location filename="../widgets/capture_inspector.cpp" line="107"/>
        <source>Routing</source>
        <translation>Routing</translation>
    </message>
    <message>
        <location filename="../widgets/capture_inspector.cpp" line="108"/>
        <source>Timeline</source>
        <translation>Zeitleiste</translation>
    </message>
    <message>
        <location filename="../widgets/capture_inspector.cpp" line="118"/>
        <source>(no body)</source>
        <translation>(kein Body)</translation>
    </message>
    <message numerus="yes">
        <location filename="../widgets/capture_inspector.cpp" line="123"/>
        <source>(%n binary byte(s))</source>
        <translation>
            <numerusform>(%n binäres Byte)</numerusform>
            <numerusform>(%n binäre Bytes)</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <location filename="../widgets/capture_inspector.cpp" line="128"/>
        <source>%n message(s)</source>
        <translation>
            <numerusform>%n Nachricht</numerusform>
            <numerusform>%n Nachrichten</numerusform>
        </translation>
    </message>
    <message>
        <location filename="../widgets/capture_inspector.cpp" line="130"/>
        <source>, %1 in all, the largest %2</source>
        <translation>, %1 insgesamt, die größte %2</translation>
    </message>
    <message numerus="yes">
        <location filename="../widgets/capture_inspector.cpp" line="134"/>
        <source>; %n control frame(s)</source>
        <translation>
            <numerusform>; %n Steuer-Frame</numerusform>
            <numerusform>; %n Steuer-Frames</numerusform>
        </translation>
    </message>
    <message>
        <location filename="../widgets/capture_inspector.cpp" line="136"/>
        <source> (then bytes that are not frames: not counted further)</source>
        <translation> (danach Bytes, die keine Frames sind: nicht weiter gezählt)</translation>
    </message>
    <message>
        <location filename="../widgets/capture_inspector.cpp" line="153"/>
        <source>none (the connection ended first)</source>
        <translation>keiner (die Verbindung endete vorher)</translation>
    </message>
    <message>
        <location filename="../widgets/capture_inspector.cpp" line="155"/>
        <source>%1, answered by the proxy: %2</source>
        <translation>%1, vom Proxy beantwortet: %2</translation>
    </message>
    <message>
        <location filename="../widgets/capture_inspector.cpp" line="158"/>
        <source>Status</source>
        <translation>Status</translation>
    </message>
    <message>
        <location filename="../widgets/capture_inspector.cpp" line="159"/>
        <source>Service</source>
        <translation>Dienst</translation>
    </message>
    <message>
        <location filename="../widgets/capture_inspector.cpp" line="159"/>
        <source>(no route matched)</source>
        <translation>(keine passende Route)</translation>
    </message>
    <message>
        <location filename="../widgets/capture_inspector.cpp" line="160"/>
        <source>Instance</source>
        <translation>Instanz</translation>
    </message>
    <message>
        <location filename="../widgets/capture_inspector.cpp" line="160"/>
        <source>(none answered)</source>
        <translation>(keine hat geantwortet)</translation>
    </message>
    <message>
        <location filename="../widgets/capture_inspector.cpp" line="161"/>
        <source>Attempts</source>
        <translation>Versuche</translation>
    </message>
    <message>
        <location filename="../widgets/capture_inspector.cpp" line="162"/>
        <source>Breaker</source>
        <translation>Breaker</translation>
    </message>
    <message>
        <location filename="../widgets/capture_inspector.cpp" line="163"/>
        <source>unknown</source>
        <translation>unbekannt</translation>
    </message>
    <message>
        <location filename="../widgets/capture_inspector.cpp" line="164"/>
        <source>%1 when the attempt began</source>
        <translation>%1 zu Beginn des Versuchs</translation>
    </message>
    <message>
        <location filename="../widgets/capture_inspector.cpp" line="165"/>
        <source>Cache</source>
        <translation>Cache</translation>
    </message>
    <message>
        <location filename="../widgets/capture_inspector.cpp" line="165"/>
        <source>not consulted</source>
        <translation>nicht abgefragt</translation>
    </message>
    <message>
        <location filename="../widgets/capture_inspector.cpp" line="166"/>
        <source>Correlation ID</source>
        <translation>Korrelations-ID</translation>
    </message>
    <message>
        <location filename="../widgets/capture_inspector.cpp" line="167"/>
        <source>Capture</source>
        <translation>Mitschnitt</translation>
    </message>
    <message>
        <location filename="../widgets/capture_inspector.cpp" line="167"/>
        <source>#%1</source>
        <translation>#%1</translation>
    </message>
    <message>
        <location filename="../widgets/capture_inspector.cpp" line="168"/>
        <source>Accepted</source>
        <translation>Angenommen</translation>
    </message>
    <message>
        <location filename="../widgets/capture_inspector.cpp" line="171"/>
        <source>Duration</source>
        <translation>Dauer</translation>
    </message>
    <message>
        <location filename="../widgets/capture_inspector.cpp" line="172"/>
        <source>did not complete</source>
        <translation>nicht abgeschlossen</translation>
    </message>
    <message>
        <location filename="../widgets/capture_inspector.cpp" line="173"/>
        <source>%1 ms</source>
        <translation>%1 ms</translation>
    </message>
    <message>
        <location filename="../widgets/capture_inspector.cpp" line="174"/>
        <source>Bytes</source>
        <translation>Bytes</translation>
    </message>
    <message>
        <location filename="../widgets/capture_inspector.cpp" line="174"/>
        <source>%1 in, %2 out</source>
        <translation>%1 ein, %2 aus</translation>
    </message>
    <message>
        <location filename="../widgets/capture_inspector.cpp" line="177"/>
        <source>Client</source>
        <translation>Client</translation>
    </message>
    <message>
        <location filename="../widgets/capture_inspector.cpp" line="179"/>
        <source>Session</source>
        <translation>Sitzung</translation>
    </message>
    <message>
        <location filename="../widgets/capture_inspector.cpp" line="181"/>
        <source>User context</source>
        <translation>Benutzerkontext</translation>
    </message>
    <message>
        <location filename="../widgets/capture_inspector.cpp" line="184"/>
        <source>WebSocket</source>
        <translation>WebSocket</translation>
    </message>
    <message>
        <location filename="../widgets/capture_inspector.cpp" line="184"/>
        <source>tunnel ended: %1</source>
        <translation>Tunnel beendet: %1</translation>
    </message>
    <message>
        <location filename="../widgets/capture_inspector.cpp" line="186"/>
        <source>Client to upstream</source>
        <translation>Client zum Upstream</translation>
    </message>
    <message>
        <location filename="../widgets/capture_inspector.cpp" line="187"/>
        <source>Upstream to client</source>
        <translation>Upstream zum Client</translation>
    </message>
    <message>
        <location filename="../widgets/capture_inspector.cpp" line="190"/>
        <source>Replayable</source>
        <translation>Wiederholbar</translation>
    </message>
    <message>
        <location filename="../widgets/capture_inspector.cpp" line="190"/>
        <source>yes</source>
        <translation>ja</translation>
    </message>
    <message>
        <location filename="../widgets/capture_inspector.cpp" line="191"/>
        <source>no (a WebSocket tunnel)</source>
        <translation>nein (ein WebSocket-Tunnel)</translation>
    </message>
    <message>
        <location filename="../widgets/capture_inspector.cpp" line="192"/>
        <source>no (the body was not kept)</source>
        <translation>nein (der Body wurde nicht gespeichert)</translation>
    </message>
    <message numerus="yes">
        <location filename="../widgets/capture_inspector.cpp" line="202"/>
        <source>
… (only the first %n byte(s) were kept)</source>
        <translation>
            <numerusform>
… (nur das erste %n Byte wurde gespeichert)</numerusform>
            <numerusform>
… (nur die ersten %n Bytes wurden gespeichert)</numerusform>
        </translation>
    </message>
    <message>
        <location filename="../widgets/capture_inspector.cpp" line="217"/>
        <source>Select a captured request to inspect it.</source>
        <translation>Wählen Sie eine mitgeschnittene Anfrage aus, um sie zu untersuchen.</translation>
    </message>
</context>
<context>
    <name>ToolCapture::CaptureListModel</name>
    <message>
        <location filename="../models/capture_list_model.cpp" line="204"/>
        <source>(no route)</source>
        <translation>(keine Route)</translation>
    </message>
    <message>
        <location filename="../models/capture_list_model.cpp" line="211"/>
        <source>none</source>
        <translation>keiner</translation>
    </message>
    <message>
        <location filename="../models/capture_list_model.cpp" line="214"/>
        <source>%1 (%2)</source>
        <translation>%1 (%2)</translation>
    </message>
    <message>
        <location filename="../models/capture_list_model.cpp" line="260"/>
        <source>No.</source>
        <translation>Nr.</translation>
    </message>
    <message>
        <location filename="../models/capture_list_model.cpp" line="262"/>
        <source>Time</source>
        <translation>Zeit</translation>
    </message>
    <message>
        <location filename="../models/capture_list_model.cpp" line="264"/>
        <source>Method</source>
        <translation>Methode</translation>
    </message>
    <message>
        <location filename="../models/capture_list_model.cpp" line="266"/>
        <source>Service</source>
        <translation>Dienst</translation>
    </message>
    <message>
        <location filename="../models/capture_list_model.cpp" line="268"/>
        <source>Instance</source>
        <translation>Instanz</translation>
    </message>
    <message>
        <location filename="../models/capture_list_model.cpp" line="270"/>
        <source>Path</source>
        <translation>Pfad</translation>
    </message>
    <message>
        <location filename="../models/capture_list_model.cpp" line="272"/>
        <source>Status</source>
        <translation>Status</translation>
    </message>
    <message>
        <location filename="../models/capture_list_model.cpp" line="274"/>
        <source>Duration (ms)</source>
        <translation>Dauer (ms)</translation>
    </message>
    <message>
        <location filename="../models/capture_list_model.cpp" line="276"/>
        <source>Size</source>
        <translation>Größe</translation>
    </message>
    <message>
        <location filename="../models/capture_list_model.cpp" line="278"/>
        <source>Attempts</source>
        <translation>Versuche</translation>
    </message>
    <message>
        <location filename="../models/capture_list_model.cpp" line="280"/>
        <source>Correlation ID</source>
        <translation>Korrelations-ID</translation>
    </message>
    <message>
        <location filename="../models/capture_list_model.cpp" line="314"/>
        <source>HTTP status %1</source>
        <translation>HTTP-Status %1</translation>
    </message>
</context>
<context>
    <name>ToolCapture::ConnectDialog</name>
    <message>
        <location filename="../app/connect_dialog.cpp" line="24"/>
        <source>Connect to a ToolCapture instance</source>
        <translation>Mit einer ToolCapture-Instanz verbinden</translation>
    </message>
    <message>
        <location filename="../app/connect_dialog.cpp" line="33"/>
        <source>Empty: %1</source>
        <translation>Wenn leer: %1</translation>
    </message>
    <message>
        <location filename="../app/connect_dialog.cpp" line="34"/>
        <source>The file holding the instance&apos;s admin token (its admin-token file, or the token you configured)</source>
        <translation>Die Datei mit dem Admin-Token der Instanz (ihre admin-token-Datei oder das von Ihnen konfigurierte Token)</translation>
    </message>
    <message>
        <location filename="../app/connect_dialog.cpp" line="38"/>
        <source>Browse…</source>
        <translation>Durchsuchen…</translation>
    </message>
    <message>
        <location filename="../app/connect_dialog.cpp" line="44"/>
        <source>Connect</source>
        <translation>Verbinden</translation>
    </message>
    <message>
        <location filename="../app/connect_dialog.cpp" line="50"/>
        <source>Admin URL:</source>
        <translation>Admin-URL:</translation>
    </message>
    <message>
        <location filename="../app/connect_dialog.cpp" line="51"/>
        <source>Token file:</source>
        <translation>Token-Datei:</translation>
    </message>
    <message>
        <location filename="../app/connect_dialog.cpp" line="53"/>
        <source>The console shows the remote instance exactly as it shows the embedded engine. The embedded engine stops.</source>
        <translation>Die Konsole zeigt die entfernte Instanz genauso wie die eingebettete Engine an. Die eingebettete Engine wird beendet.</translation>
    </message>
    <message>
        <location filename="../app/connect_dialog.cpp" line="69"/>
        <source>Admin token file</source>
        <translation>Admin-Token-Datei</translation>
    </message>
    <message>
        <location filename="../app/connect_dialog.cpp" line="88"/>
        <source>Give the instance&apos;s admin URL, e.g. http://127.0.0.1:8091.</source>
        <translation>Geben Sie die Admin-URL der Instanz an, z. B. http://127.0.0.1:8091.</translation>
    </message>
    <message>
        <location filename="../app/connect_dialog.cpp" line="90"/>
        <source>&quot;%1&quot; is not a URL.</source>
        <translation>„%1“ ist keine URL.</translation>
    </message>
    <message>
        <location filename="../app/connect_dialog.cpp" line="92"/>
        <source>Only http and https URLs are supported.</source>
        <translation>Nur http- und https-URLs werden unterstützt.</translation>
    </message>
    <message>
        <location filename="../app/connect_dialog.cpp" line="121"/>
        <source>The token file %1 cannot be read.</source>
        <translation>Die Token-Datei %1 kann nicht gelesen werden.</translation>
    </message>
</context>
<context>
    <name>ToolCapture::ConsoleSession</name>
    <message>
        <location filename="../app/console_session.cpp" line="23"/>
        <source>Connect</source>
        <translation>Verbinden</translation>
    </message>
    <message>
        <location filename="../app/console_session.cpp" line="24"/>
        <source>Not connected to %1: %2</source>
        <translation>Nicht mit %1 verbunden: %2</translation>
    </message>
    <message>
        <location filename="../app/console_session.cpp" line="50"/>
        <source>The proxy could not start:
%1</source>
        <translation>Der Proxy konnte nicht starten:
%1</translation>
    </message>
    <message>
        <location filename="../app/console_session.cpp" line="86"/>
        <source>Open configuration</source>
        <translation>Konfiguration öffnen</translation>
    </message>
    <message>
        <location filename="../app/console_session.cpp" line="87"/>
        <source>%1 was not loaded; the engine runs on as it was.</source>
        <translation>%1 wurde nicht geladen; die Engine läuft unverändert weiter.</translation>
    </message>
</context>
<context>
    <name>ToolCapture::CorrelationTimelineModel</name>
    <message>
        <location filename="../models/correlation_timeline_model.cpp" line="41"/>
        <source>%1 is before the event ahead of it</source>
        <translation>%1 liegt vor dem vorhergehenden Ereignis</translation>
    </message>
    <message>
        <location filename="../models/correlation_timeline_model.cpp" line="67"/>
        <source>request</source>
        <translation>Anfrage</translation>
    </message>
    <message>
        <location filename="../models/correlation_timeline_model.cpp" line="69"/>
        <source>response</source>
        <translation>Antwort</translation>
    </message>
    <message>
        <location filename="../models/correlation_timeline_model.cpp" line="71"/>
        <source>communication</source>
        <translation>Kommunikation</translation>
    </message>
    <message>
        <location filename="../models/correlation_timeline_model.cpp" line="73"/>
        <source>pre hook</source>
        <translation>Pre-Hook</translation>
    </message>
    <message>
        <location filename="../models/correlation_timeline_model.cpp" line="75"/>
        <source>post hook</source>
        <translation>Post-Hook</translation>
    </message>
    <message>
        <location filename="../models/correlation_timeline_model.cpp" line="77"/>
        <source>breaker</source>
        <translation>Breaker</translation>
    </message>
    <message>
        <location filename="../models/correlation_timeline_model.cpp" line="79"/>
        <source>lifecycle</source>
        <translation>Lebenszyklus</translation>
    </message>
    <message>
        <location filename="../models/correlation_timeline_model.cpp" line="81"/>
        <source>registration</source>
        <translation>Registrierung</translation>
    </message>
    <message>
        <location filename="../models/correlation_timeline_model.cpp" line="123"/>
        <source>%1 at %2</source>
        <translation>%1 um %2</translation>
    </message>
    <message>
        <location filename="../models/correlation_timeline_model.cpp" line="130"/>
        <source>+%1 ms</source>
        <translation>+%1 ms</translation>
    </message>
    <message>
        <location filename="../models/correlation_timeline_model.cpp" line="153"/>
        <source>Offset</source>
        <translation>Offset</translation>
    </message>
    <message>
        <location filename="../models/correlation_timeline_model.cpp" line="155"/>
        <source>Topic</source>
        <translation>Topic</translation>
    </message>
    <message>
        <location filename="../models/correlation_timeline_model.cpp" line="157"/>
        <source>Kind</source>
        <translation>Art</translation>
    </message>
    <message>
        <location filename="../models/correlation_timeline_model.cpp" line="159"/>
        <source>Service</source>
        <translation>Dienst</translation>
    </message>
    <message>
        <location filename="../models/correlation_timeline_model.cpp" line="161"/>
        <source>Instance</source>
        <translation>Instanz</translation>
    </message>
    <message>
        <location filename="../models/correlation_timeline_model.cpp" line="163"/>
        <source>Summary</source>
        <translation>Zusammenfassung</translation>
    </message>
</context>
<context>
    <name>ToolCapture::CorrelationTimelineView</name>
    <message>
        <location filename="../widgets/correlation_timeline_view.cpp" line="26"/>
        <source>Refresh</source>
        <translation>Aktualisieren</translation>
    </message>
    <message>
        <location filename="../widgets/correlation_timeline_view.cpp" line="81"/>
        <source>Select a captured request to see what the analyser saw of it.</source>
        <translation>Wählen Sie eine mitgeschnittene Anfrage aus, um zu sehen, was der Analysator von ihr erfasst hat.</translation>
    </message>
    <message>
        <location filename="../widgets/correlation_timeline_view.cpp" line="87"/>
        <location filename="../widgets/correlation_timeline_view.cpp" line="116"/>
        <source>Loading…</source>
        <translation>Wird geladen…</translation>
    </message>
    <message>
        <location filename="../widgets/correlation_timeline_view.cpp" line="109"/>
        <source>Not connected to an engine.</source>
        <translation>Nicht mit einer Engine verbunden.</translation>
    </message>
    <message>
        <location filename="../widgets/correlation_timeline_view.cpp" line="125"/>
        <source>The analyser has nothing for this request (yet).
It keeps the most recent correlation ids; Refresh asks again.</source>
        <translation>Der Analysator hat (noch) nichts zu dieser Anfrage.
Er behält die neuesten Korrelations-IDs; „Aktualisieren“ fragt erneut.</translation>
    </message>
    <message>
        <location filename="../widgets/correlation_timeline_view.cpp" line="133"/>
        <source>The timeline could not be read: %1</source>
        <translation>Die Zeitleiste konnte nicht gelesen werden: %1</translation>
    </message>
    <message>
        <location filename="../widgets/correlation_timeline_view.cpp" line="140"/>
        <source>The analyser&apos;s answer does not follow the API: %1</source>
        <translation>Die Antwort des Analysators entspricht nicht der API: %1</translation>
    </message>
    <message numerus="yes">
        <location filename="../widgets/correlation_timeline_view.cpp" line="145"/>
        <source>%n event(s) over %1 ms for %2</source>
        <translation>
            <numerusform>%n Ereignis in %1 ms für %2</numerusform>
            <numerusform>%n Ereignisse in %1 ms für %2</numerusform>
        </translation>
    </message>
    <message>
        <location filename="../widgets/correlation_timeline_view.cpp" line="148"/>
        <source>The analyser knows this request but has no events for it.</source>
        <translation>Der Analysator kennt diese Anfrage, hat aber keine Ereignisse zu ihr.</translation>
    </message>
</context>
<context>
    <name>ToolCapture::EngineHost</name>
    <message>
        <location filename="../app/engine_host.cpp" line="60"/>
        <source>starting the engine</source>
        <translation>Engine wird gestartet</translation>
    </message>
</context>
<context>
    <name>ToolCapture::HookEventModel</name>
    <message>
        <location filename="../models/hook_event_model.cpp" line="76"/>
        <source>Execution</source>
        <translation>Ausführung</translation>
    </message>
    <message>
        <location filename="../models/hook_event_model.cpp" line="78"/>
        <source>Lifecycle</source>
        <translation>Lebenszyklus</translation>
    </message>
    <message>
        <location filename="../models/hook_event_model.cpp" line="80"/>
        <source>Tool</source>
        <translation>Werkzeug</translation>
    </message>
    <message>
        <location filename="../models/hook_event_model.cpp" line="102"/>
        <source>%1 ms</source>
        <translation>%1 ms</translation>
    </message>
    <message>
        <location filename="../models/hook_event_model.cpp" line="107"/>
        <source>success</source>
        <translation>Erfolg</translation>
    </message>
    <message>
        <location filename="../models/hook_event_model.cpp" line="109"/>
        <source>failure</source>
        <translation>Fehler</translation>
    </message>
    <message>
        <location filename="../models/hook_event_model.cpp" line="109"/>
        <source>failure: %1</source>
        <translation>Fehler: %1</translation>
    </message>
    <message>
        <location filename="../models/hook_event_model.cpp" line="171"/>
        <source>Time</source>
        <translation>Zeit</translation>
    </message>
    <message>
        <location filename="../models/hook_event_model.cpp" line="173"/>
        <source>Kind</source>
        <translation>Art</translation>
    </message>
    <message>
        <location filename="../models/hook_event_model.cpp" line="175"/>
        <source>Service</source>
        <translation>Dienst</translation>
    </message>
    <message>
        <location filename="../models/hook_event_model.cpp" line="177"/>
        <source>Operation / event</source>
        <translation>Operation / Ereignis</translation>
    </message>
    <message>
        <location filename="../models/hook_event_model.cpp" line="179"/>
        <source>Duration</source>
        <translation>Dauer</translation>
    </message>
    <message>
        <location filename="../models/hook_event_model.cpp" line="181"/>
        <source>Outcome</source>
        <translation>Ergebnis</translation>
    </message>
</context>
<context>
    <name>ToolCapture::HookToolModel</name>
    <message>
        <location filename="../models/hook_tool_model.cpp" line="98"/>
        <source>Tool</source>
        <translation>Werkzeug</translation>
    </message>
    <message>
        <location filename="../models/hook_tool_model.cpp" line="100"/>
        <source>Service</source>
        <translation>Dienst</translation>
    </message>
    <message>
        <location filename="../models/hook_tool_model.cpp" line="102"/>
        <source>Capabilities</source>
        <translation>Fähigkeiten</translation>
    </message>
    <message>
        <location filename="../models/hook_tool_model.cpp" line="104"/>
        <source>Registration</source>
        <translation>Registrierung</translation>
    </message>
    <message>
        <location filename="../models/hook_tool_model.cpp" line="106"/>
        <source>Registrations</source>
        <translation>Registrierungen</translation>
    </message>
    <message>
        <location filename="../models/hook_tool_model.cpp" line="108"/>
        <source>Last seen</source>
        <translation>Zuletzt gesehen</translation>
    </message>
</context>
<context>
    <name>ToolCapture::HooksView</name>
    <message>
        <location filename="../widgets/hooks_view.cpp" line="65"/>
        <source>Select an event to see it whole</source>
        <translation>Wählen Sie ein Ereignis, um es vollständig zu sehen</translation>
    </message>
    <message>
        <location filename="../widgets/hooks_view.cpp" line="71"/>
        <source>Registered tools</source>
        <translation>Registrierte Werkzeuge</translation>
    </message>
    <message>
        <location filename="../widgets/hooks_view.cpp" line="141"/>
        <source>Hook events (%1 shown) · executions: %2, failed: %3</source>
        <translation>Hook-Ereignisse (%1 angezeigt) · Ausführungen: %2, fehlgeschlagen: %3</translation>
    </message>
</context>
<context>
    <name>ToolCapture::InstanceChooser</name>
    <message>
        <location filename="../widgets/instance_chooser.cpp" line="13"/>
        <source>Routed by the proxy (as any request)</source>
        <translation>Vom Proxy geroutet (wie jede Anfrage)</translation>
    </message>
    <message>
        <location filename="../widgets/instance_chooser.cpp" line="21"/>
        <source>HTTP status %1</source>
        <translation>HTTP-Status %1</translation>
    </message>
    <message>
        <location filename="../widgets/instance_chooser.cpp" line="37"/>
        <source>%1 (answered the capture)</source>
        <translation>%1 (hat den Mitschnitt beantwortet)</translation>
    </message>
    <message>
        <location filename="../widgets/instance_chooser.cpp" line="41"/>
        <source>%1 (another service)</source>
        <translation>%1 (anderer Dienst)</translation>
    </message>
</context>
<context>
    <name>ToolCapture::MainWindow</name>
    <message>
        <location filename="../app/main_window.cpp" line="44"/>
        <source>ToolCapture</source>
        <translation>ToolCapture</translation>
    </message>
    <message>
        <location filename="../app/main_window.cpp" line="54"/>
        <source>Overview</source>
        <translation>Übersicht</translation>
    </message>
    <message>
        <location filename="../app/main_window.cpp" line="57"/>
        <source>Services</source>
        <translation>Dienste</translation>
    </message>
    <message>
        <location filename="../app/main_window.cpp" line="60"/>
        <source>Topics</source>
        <translation>Themen</translation>
    </message>
    <message>
        <location filename="../app/main_window.cpp" line="62"/>
        <source>Hooks and tools</source>
        <translation>Hooks und Werkzeuge</translation>
    </message>
    <message>
        <location filename="../app/main_window.cpp" line="177"/>
        <source>Breakers</source>
        <translation>Circuit Breaker</translation>
    </message>
    <message>
        <location filename="../app/main_window.cpp" line="180"/>
        <source>Requests</source>
        <translation>Anfragen</translation>
    </message>
    <message>
        <location filename="../app/main_window.cpp" line="183"/>
        <source>Cache</source>
        <translation>Cache</translation>
    </message>
    <message>
        <location filename="../app/main_window.cpp" line="191"/>
        <source>Patterns</source>
        <translation>Muster</translation>
    </message>
    <message>
        <location filename="../app/main_window.cpp" line="194"/>
        <source>Recommendations</source>
        <translation>Empfehlungen</translation>
    </message>
    <message numerus="yes">
        <location filename="../app/main_window.cpp" line="219"/>
        <source>Copied as curl (%n command(s))</source>
        <translation>
            <numerusform>Als curl kopiert (%n Befehl)</numerusform>
            <numerusform>Als curl kopiert (%n Befehle)</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <location filename="../app/main_window.cpp" line="224"/>
        <source>Exported %n capture(s) to %1</source>
        <translation>
            <numerusform>%n Mitschnitt nach %1 exportiert</numerusform>
            <numerusform>%n Mitschnitte nach %1 exportiert</numerusform>
        </translation>
    </message>
    <message>
        <location filename="../app/main_window.cpp" line="254"/>
        <source>&amp;Open configuration…</source>
        <translation>&amp;Konfiguration öffnen…</translation>
    </message>
    <message>
        <location filename="../app/main_window.cpp" line="256"/>
        <source>&amp;Connect…</source>
        <translation>&amp;Verbinden…</translation>
    </message>
    <message>
        <location filename="../app/main_window.cpp" line="261"/>
        <source>C&amp;lear list</source>
        <translation>Liste &amp;leeren</translation>
    </message>
    <message>
        <location filename="../app/main_window.cpp" line="263"/>
        <source>&amp;Find</source>
        <translation>&amp;Suchen</translation>
    </message>
    <message>
        <location filename="../app/main_window.cpp" line="265"/>
        <source>Copy as c&amp;url</source>
        <translation>Als c&amp;url kopieren</translation>
    </message>
    <message>
        <location filename="../app/main_window.cpp" line="273"/>
        <source>&amp;Full screen</source>
        <translation>&amp;Vollbild</translation>
    </message>
    <message>
        <location filename="../app/main_window.cpp" line="279"/>
        <source>&amp;Capture exchanges</source>
        <translation>Austausch &amp;mitschneiden</translation>
    </message>
    <message>
        <location filename="../app/main_window.cpp" line="289"/>
        <source>&amp;File</source>
        <translation>&amp;Datei</translation>
    </message>
    <message>
        <location filename="../app/main_window.cpp" line="307"/>
        <source>&amp;Capture</source>
        <translation>&amp;Mitschnitt</translation>
    </message>
    <message>
        <location filename="../app/main_window.cpp" line="419"/>
        <source>Capture started</source>
        <translation>Mitschnitt gestartet</translation>
    </message>
    <message>
        <location filename="../app/main_window.cpp" line="419"/>
        <source>Capture stopped</source>
        <translation>Mitschnitt gestoppt</translation>
    </message>
    <message>
        <location filename="../app/main_window.cpp" line="429"/>
        <source>Capture was not changed: %1</source>
        <translation>Mitschnitt wurde nicht geändert: %1</translation>
    </message>
    <message>
        <location filename="../app/main_window.cpp" line="443"/>
        <source>&lt;h3&gt;ToolCapture %1&lt;/h3&gt;&lt;p&gt;Operator console with an embedded HTTP/1.1 reverse proxy.&lt;/p&gt;&lt;p&gt;Qt %2&lt;/p&gt;</source>
        <translation>&lt;h3&gt;ToolCapture %1&lt;/h3&gt;&lt;p&gt;Operator-Konsole mit eingebettetem HTTP/1.1-Reverse-Proxy.&lt;/p&gt;&lt;p&gt;Qt %2&lt;/p&gt;</translation>
    </message>
    <message>
        <location filename="../app/main_window.cpp" line="258"/>
        <source>&amp;Quit</source>
        <translation>&amp;Beenden</translation>
    </message>
    <message>
        <location filename="../app/main_window.cpp" line="295"/>
        <source>&amp;Edit</source>
        <translation>&amp;Bearbeiten</translation>
    </message>
    <message>
        <location filename="../app/main_window.cpp" line="300"/>
        <source>&amp;View</source>
        <translation>&amp;Ansicht</translation>
    </message>
    <message>
        <location filename="../app/main_window.cpp" line="310"/>
        <source>&amp;Help</source>
        <translation>&amp;Hilfe</translation>
    </message>
    <message>
        <location filename="../app/main_window.cpp" line="283"/>
        <source>&amp;About ToolCapture</source>
        <translation>Ü&amp;ber ToolCapture</translation>
    </message>
    <message>
        <location filename="../app/main_window.cpp" line="313"/>
        <source>Main</source>
        <translation>Haupt</translation>
    </message>
    <message>
        <location filename="../app/main_window.cpp" line="343"/>
        <location filename="../app/main_window.cpp" line="352"/>
        <source>Open configuration</source>
        <translation>Konfiguration öffnen</translation>
    </message>
    <message>
        <location filename="../app/main_window.cpp" line="344"/>
        <source>The console watches the remote instance %1: its configuration is that instance&apos;s. Open a configuration to run an embedded engine after restarting the console without --connect.</source>
        <translation>Die Konsole beobachtet die entfernte Instanz %1: Es gilt deren Konfiguration. Um eine eingebettete Engine mit einer Konfiguration zu betreiben, starten Sie die Konsole ohne --connect neu und öffnen Sie dann die Konfiguration.</translation>
    </message>
    <message>
        <location filename="../app/main_window.cpp" line="354"/>
        <source>Configuration (*.json);;All files (*)</source>
        <translation>Konfiguration (*.json);;Alle Dateien (*)</translation>
    </message>
    <message>
        <location filename="../app/main_window.cpp" line="442"/>
        <source>About ToolCapture</source>
        <translation>Über ToolCapture</translation>
    </message>
</context>
<context>
    <name>ToolCapture::OverviewView</name>
    <message>
        <location filename="../widgets/overview_view.cpp" line="31"/>
        <source>All services</source>
        <translation>Alle Dienste</translation>
    </message>
    <message>
        <location filename="../widgets/overview_view.cpp" line="32"/>
        <source>Requests/s</source>
        <translation>Anfragen/s</translation>
    </message>
    <message>
        <location filename="../widgets/overview_view.cpp" line="33"/>
        <source>p50</source>
        <translation>p50</translation>
    </message>
    <message>
        <location filename="../widgets/overview_view.cpp" line="34"/>
        <source>p99</source>
        <translation>p99</translation>
    </message>
    <message>
        <location filename="../widgets/overview_view.cpp" line="35"/>
        <location filename="../widgets/overview_view.cpp" line="46"/>
        <source>Error rate</source>
        <translation>Fehlerrate</translation>
    </message>
    <message>
        <location filename="../widgets/overview_view.cpp" line="38"/>
        <source>&amp;Service:</source>
        <translation>&amp;Dienst:</translation>
    </message>
    <message>
        <location filename="../widgets/overview_view.cpp" line="44"/>
        <source>Requests per second</source>
        <translation>Anfragen pro Sekunde</translation>
    </message>
    <message>
        <location filename="../widgets/overview_view.cpp" line="44"/>
        <source>req/s</source>
        <translation>Anfr./s</translation>
    </message>
    <message>
        <location filename="../widgets/overview_view.cpp" line="45"/>
        <source>Latency</source>
        <translation>Latenz</translation>
    </message>
    <message>
        <location filename="../widgets/overview_view.cpp" line="45"/>
        <source>ms</source>
        <translation>ms</translation>
    </message>
    <message>
        <location filename="../widgets/overview_view.cpp" line="46"/>
        <source>%</source>
        <translation>%</translation>
    </message>
    <message>
        <location filename="../widgets/overview_view.cpp" line="52"/>
        <source>Failed attempts at the instances (5xx answers, refused connections, resets, first-byte timeouts) per request served, retried ones included: the status bar&apos;s error rate counts only what the clients received.</source>
        <translation>Fehlgeschlagene Versuche bei den Instanzen (5xx-Antworten, abgewiesene Verbindungen, Abbrüche, Zeitüberschreitungen bis zum ersten Byte) je bediente Anfrage, wiederholte eingeschlossen: die Fehlerrate der Statusleiste zählt nur, was die Clients erhielten.</translation>
    </message>
    <message>
        <location filename="../widgets/overview_view.cpp" line="75"/>
        <source>seconds ago</source>
        <translation>Sekunden zuvor</translation>
    </message>
</context>
<context>
    <name>ToolCapture::PatternsModel</name>
    <message>
        <location filename="../models/patterns_model.cpp" line="20"/>
        <source>%1 ms</source>
        <translation>%1 ms</translation>
    </message>
    <message>
        <location filename="../models/patterns_model.cpp" line="24"/>
        <source>%1 %</source>
        <translation>%1 %</translation>
    </message>
    <message>
        <location filename="../models/patterns_model.cpp" line="105"/>
        <source>↑ rising</source>
        <translation>↑ steigend</translation>
    </message>
    <message>
        <location filename="../models/patterns_model.cpp" line="107"/>
        <source>↓ falling</source>
        <translation>↓ fallend</translation>
    </message>
    <message>
        <location filename="../models/patterns_model.cpp" line="109"/>
        <source>→ steady</source>
        <translation>→ stabil</translation>
    </message>
    <message>
        <location filename="../models/patterns_model.cpp" line="168"/>
        <source>Latency EWMA %1</source>
        <translation>Latenz (EWMA) %1</translation>
    </message>
    <message>
        <location filename="../models/patterns_model.cpp" line="170"/>
        <source>max %1</source>
        <translation>max. %1</translation>
    </message>
    <message numerus="yes">
        <location filename="../models/patterns_model.cpp" line="172"/>
        <source>%n error(s)</source>
        <translation>
            <numerusform>%n Fehler</numerusform>
            <numerusform>%n Fehler</numerusform>
        </translation>
    </message>
    <message>
        <location filename="../models/patterns_model.cpp" line="187"/>
        <source>–</source>
        <translation>–</translation>
    </message>
    <message>
        <location filename="../models/patterns_model.cpp" line="197"/>
        <source>anomalous</source>
        <translation>auffällig</translation>
    </message>
    <message>
        <location filename="../models/patterns_model.cpp" line="209"/>
        <source>Service</source>
        <translation>Dienst</translation>
    </message>
    <message>
        <location filename="../models/patterns_model.cpp" line="211"/>
        <source>Operation</source>
        <translation>Operation</translation>
    </message>
    <message>
        <location filename="../models/patterns_model.cpp" line="213"/>
        <source>Requests</source>
        <translation>Anfragen</translation>
    </message>
    <message>
        <location filename="../models/patterns_model.cpp" line="215"/>
        <source>Errors</source>
        <translation>Fehler</translation>
    </message>
    <message>
        <location filename="../models/patterns_model.cpp" line="217"/>
        <source>Cache hits</source>
        <translation>Cache-Treffer</translation>
    </message>
    <message>
        <location filename="../models/patterns_model.cpp" line="219"/>
        <source>p50</source>
        <translation>p50</translation>
    </message>
    <message>
        <location filename="../models/patterns_model.cpp" line="221"/>
        <source>p95</source>
        <translation>p95</translation>
    </message>
    <message>
        <location filename="../models/patterns_model.cpp" line="223"/>
        <source>p99</source>
        <translation>p99</translation>
    </message>
    <message>
        <location filename="../models/patterns_model.cpp" line="225"/>
        <source>Trend</source>
        <translation>Trend</translation>
    </message>
    <message>
        <location filename="../models/patterns_model.cpp" line="227"/>
        <source>Anomaly</source>
        <translation>Anomalie</translation>
    </message>
</context>
<context>
    <name>ToolCapture::PatternsView</name>
    <message>
        <location filename="../widgets/patterns_view.cpp" line="29"/>
        <source>This engine serves no %1: GET %2 answered %3. It has no analyser, or it is older than this console.</source>
        <translation>Diese Engine liefert keine %1: GET %2 ergab %3. Sie hat keinen Analysator oder ist älter als diese Konsole.</translation>
    </message>
    <message>
        <location filename="../widgets/patterns_view.cpp" line="33"/>
        <source>The %1 could not be read: %2</source>
        <translation>Die %1 konnten nicht gelesen werden: %2</translation>
    </message>
    <message>
        <location filename="../widgets/patterns_view.cpp" line="46"/>
        <source>A&amp;ctive anomalies only</source>
        <translation>Nur a&amp;ktive Anomalien</translation>
    </message>
    <message>
        <location filename="../widgets/patterns_view.cpp" line="47"/>
        <source>&amp;Refresh</source>
        <translation>&amp;Aktualisieren</translation>
    </message>
    <message>
        <location filename="../widgets/patterns_view.cpp" line="52"/>
        <source>Anomalies</source>
        <translation>Anomalien</translation>
    </message>
    <message>
        <location filename="../widgets/patterns_view.cpp" line="57"/>
        <source>Last minute</source>
        <translation>Letzte Minute</translation>
    </message>
    <message>
        <location filename="../widgets/patterns_view.cpp" line="58"/>
        <source>Last 5 minutes</source>
        <translation>Letzte 5 Minuten</translation>
    </message>
    <message>
        <location filename="../widgets/patterns_view.cpp" line="59"/>
        <source>Last hour</source>
        <translation>Letzte Stunde</translation>
    </message>
    <message>
        <location filename="../widgets/patterns_view.cpp" line="62"/>
        <source>All services</source>
        <translation>Alle Dienste</translation>
    </message>
    <message>
        <location filename="../widgets/patterns_view.cpp" line="120"/>
        <source>&amp;Window:</source>
        <translation>&amp;Zeitfenster:</translation>
    </message>
    <message>
        <location filename="../widgets/patterns_view.cpp" line="124"/>
        <source>S&amp;ervice:</source>
        <translation>&amp;Dienst:</translation>
    </message>
    <message>
        <location filename="../widgets/patterns_view.cpp" line="225"/>
        <source>traffic patterns</source>
        <translation>Verkehrsmuster</translation>
    </message>
    <message>
        <location filename="../widgets/patterns_view.cpp" line="231"/>
        <source>The engine&apos;s patterns do not follow the API (%1); the table shows the last ones that did.</source>
        <translation>Die Muster der Engine entsprechen nicht der API (%1); die Tabelle zeigt die letzten gültigen.</translation>
    </message>
    <message numerus="yes">
        <location filename="../widgets/patterns_view.cpp" line="247"/>
        <source>%n operation(s), %1 anomalous · %2 events analysed · as of %3</source>
        <translation>
            <numerusform>%n Operation, %1 auffällig · %2 Ereignisse analysiert · Stand %3</numerusform>
            <numerusform>%n Operationen, %1 auffällig · %2 Ereignisse analysiert · Stand %3</numerusform>
        </translation>
    </message>
    <message>
        <location filename="../widgets/patterns_view.cpp" line="271"/>
        <source>anomalies</source>
        <translation>Anomalien</translation>
    </message>
    <message>
        <location filename="../widgets/patterns_view.cpp" line="273"/>
        <source>The engine&apos;s anomalies do not follow the API (%1).</source>
        <translation>Die Anomalien der Engine entsprechen nicht der API (%1).</translation>
    </message>
    <message>
        <location filename="../widgets/patterns_view.cpp" line="277"/>
        <source>Anomalies (%1)</source>
        <translation>Anomalien (%1)</translation>
    </message>
</context>
<context>
    <name>ToolCapture::RecommendationsModel</name>
    <message>
        <location filename="../models/recommendations_model.cpp" line="86"/>
        <source>%1 is outside -1..1</source>
        <translation>%1 liegt außerhalb von -1..1</translation>
    </message>
    <message>
        <location filename="../models/recommendations_model.cpp" line="208"/>
        <source>High</source>
        <translation>Hoch</translation>
    </message>
    <message>
        <location filename="../models/recommendations_model.cpp" line="210"/>
        <source>Medium</source>
        <translation>Mittel</translation>
    </message>
    <message>
        <location filename="../models/recommendations_model.cpp" line="212"/>
        <source>Low</source>
        <translation>Niedrig</translation>
    </message>
    <message>
        <location filename="../models/recommendations_model.cpp" line="218"/>
        <source>Cache</source>
        <translation>Cache</translation>
    </message>
    <message>
        <location filename="../models/recommendations_model.cpp" line="220"/>
        <source>Load balancing</source>
        <translation>Lastverteilung</translation>
    </message>
    <message>
        <location filename="../models/recommendations_model.cpp" line="222"/>
        <source>Breaker</source>
        <translation>Breaker</translation>
    </message>
    <message>
        <location filename="../models/recommendations_model.cpp" line="224"/>
        <source>Timeout</source>
        <translation>Timeout</translation>
    </message>
    <message>
        <location filename="../models/recommendations_model.cpp" line="226"/>
        <source>Retries</source>
        <translation>Wiederholversuche</translation>
    </message>
    <message>
        <location filename="../models/recommendations_model.cpp" line="228"/>
        <source>Capture sampling</source>
        <translation>Mitschnitt-Sampling</translation>
    </message>
    <message>
        <location filename="../models/recommendations_model.cpp" line="234"/>
        <source>Open</source>
        <translation>Offen</translation>
    </message>
    <message>
        <location filename="../models/recommendations_model.cpp" line="236"/>
        <source>Applied</source>
        <translation>Angewendet</translation>
    </message>
    <message>
        <location filename="../models/recommendations_model.cpp" line="238"/>
        <source>Dismissed</source>
        <translation>Verworfen</translation>
    </message>
    <message>
        <location filename="../models/recommendations_model.cpp" line="240"/>
        <source>Reverted</source>
        <translation>Zurückgesetzt</translation>
    </message>
    <message>
        <location filename="../models/recommendations_model.cpp" line="242"/>
        <source>Expired</source>
        <translation>Abgelaufen</translation>
    </message>
    <message>
        <location filename="../models/recommendations_model.cpp" line="251"/>
        <source>not measured</source>
        <translation>nicht gemessen</translation>
    </message>
    <message>
        <source>not measured while not in force</source>
        <translation type="vanished">nicht gemessen, solange nicht in Kraft</translation>
    </message>
    <message>
        <location filename="../models/recommendations_model.cpp" line="252"/>
        <source>measuring…</source>
        <translation>wird gemessen…</translation>
    </message>
    <message>
        <location filename="../models/recommendations_model.cpp" line="255"/>
        <source>improved</source>
        <translation>verbessert</translation>
    </message>
    <message>
        <location filename="../models/recommendations_model.cpp" line="257"/>
        <source>unchanged</source>
        <translation>unverändert</translation>
    </message>
    <message>
        <location filename="../models/recommendations_model.cpp" line="259"/>
        <source>worse</source>
        <translation>verschlechtert</translation>
    </message>
    <message>
        <location filename="../models/recommendations_model.cpp" line="262"/>
        <source>%1 (%2%3)</source>
        <translation>%1 (%2%3)</translation>
    </message>
    <message>
        <location filename="../models/recommendations_model.cpp" line="307"/>
        <source>%1
%2</source>
        <translation>%1
%2</translation>
    </message>
    <message>
        <location filename="../models/recommendations_model.cpp" line="311"/>
        <source>Applied, but the setting has another value now: its change is not in force</source>
        <translation>Angewendet, aber die Einstellung hat jetzt einen anderen Wert: Ihre Änderung ist nicht in Kraft</translation>
    </message>
    <message>
        <location filename="../models/recommendations_model.cpp" line="330"/>
        <source>%1 %</source>
        <translation>%1 %</translation>
    </message>
    <message>
        <location filename="../models/recommendations_model.cpp" line="333"/>
        <source>Not in force</source>
        <translation>Nicht in Kraft</translation>
    </message>
    <message>
        <source>Applied, not in force</source>
        <translation type="vanished">Angewendet, nicht in Kraft</translation>
    </message>
    <message>
        <location filename="../models/recommendations_model.cpp" line="349"/>
        <source>Priority</source>
        <translation>Priorität</translation>
    </message>
    <message>
        <location filename="../models/recommendations_model.cpp" line="351"/>
        <source>Type</source>
        <translation>Typ</translation>
    </message>
    <message>
        <location filename="../models/recommendations_model.cpp" line="353"/>
        <source>Service / instance / operation</source>
        <translation>Dienst / Instanz / Operation</translation>
    </message>
    <message>
        <location filename="../models/recommendations_model.cpp" line="355"/>
        <source>Recommendation</source>
        <translation>Empfehlung</translation>
    </message>
    <message>
        <location filename="../models/recommendations_model.cpp" line="357"/>
        <source>Expected impact</source>
        <translation>Erwartete Auswirkung</translation>
    </message>
    <message>
        <location filename="../models/recommendations_model.cpp" line="359"/>
        <source>Confidence</source>
        <translation>Konfidenz</translation>
    </message>
    <message>
        <location filename="../models/recommendations_model.cpp" line="361"/>
        <source>Status</source>
        <translation>Status</translation>
    </message>
    <message>
        <location filename="../models/recommendations_model.cpp" line="363"/>
        <source>Measured effect</source>
        <translation>Gemessener Effekt</translation>
    </message>
</context>
<context>
    <name>ToolCapture::RecommendationsView</name>
    <message>
        <location filename="../widgets/recommendations_view.cpp" line="39"/>
        <source>–</source>
        <translation>–</translation>
    </message>
    <message>
        <location filename="../widgets/recommendations_view.cpp" line="44"/>
        <source>Apply</source>
        <translation>Anwenden</translation>
    </message>
    <message>
        <location filename="../widgets/recommendations_view.cpp" line="46"/>
        <source>Dismiss</source>
        <translation>Verwerfen</translation>
    </message>
    <message>
        <location filename="../widgets/recommendations_view.cpp" line="47"/>
        <source>Revert</source>
        <translation>Zurücksetzen</translation>
    </message>
    <message>
        <location filename="../widgets/recommendations_view.cpp" line="54"/>
        <source>priority %1, confidence %2 %</source>
        <translation>Priorität %1, Konfidenz %2 %</translation>
    </message>
    <message>
        <location filename="../widgets/recommendations_view.cpp" line="59"/>
        <source>Expected impact:</source>
        <translation>Erwartete Auswirkung:</translation>
    </message>
    <message>
        <location filename="../widgets/recommendations_view.cpp" line="62"/>
        <source>Evidence</source>
        <translation>Belege</translation>
    </message>
    <message>
        <location filename="../widgets/recommendations_view.cpp" line="64"/>
        <source>(none given)</source>
        <translation>(keine angegeben)</translation>
    </message>
    <message>
        <location filename="../widgets/recommendations_view.cpp" line="69"/>
        <source>Window</source>
        <translation>Zeitfenster</translation>
    </message>
    <message>
        <location filename="../widgets/recommendations_view.cpp" line="69"/>
        <source>Metric</source>
        <translation>Metrik</translation>
    </message>
    <message>
        <location filename="../widgets/recommendations_view.cpp" line="70"/>
        <source>Value</source>
        <translation>Wert</translation>
    </message>
    <message>
        <location filename="../widgets/recommendations_view.cpp" line="70"/>
        <source>Threshold</source>
        <translation>Schwelle</translation>
    </message>
    <message>
        <location filename="../widgets/recommendations_view.cpp" line="81"/>
        <source>Change:</source>
        <translation>Änderung:</translation>
    </message>
    <message>
        <location filename="../widgets/recommendations_view.cpp" line="82"/>
        <source>of %1:</source>
        <translation>des Dienstes %1:</translation>
    </message>
    <message>
        <location filename="../widgets/recommendations_view.cpp" line="87"/>
        <source>Reverted automatically if the effect is worse.</source>
        <translation>Wird automatisch zurückgesetzt, wenn sich der Effekt verschlechtert.</translation>
    </message>
    <message>
        <location filename="../widgets/recommendations_view.cpp" line="92"/>
        <source>Applied at %1 by %2</source>
        <translation>Angewendet am %1 durch %2</translation>
    </message>
    <message>
        <location filename="../widgets/recommendations_view.cpp" line="94"/>
        <location filename="../widgets/recommendations_view.cpp" line="99"/>
        <source>unknown</source>
        <translation>unbekannt</translation>
    </message>
    <message>
        <location filename="../widgets/recommendations_view.cpp" line="97"/>
        <source>Dismissed at %1 by %2</source>
        <translation>Verworfen am %1 durch %2</translation>
    </message>
    <message>
        <location filename="../widgets/recommendations_view.cpp" line="102"/>
        <source>Expired at %1: its rule stopped firing</source>
        <translation>Abgelaufen am %1: ihre Regel greift nicht mehr</translation>
    </message>
    <message>
        <location filename="../widgets/recommendations_view.cpp" line="104"/>
        <source>Status:</source>
        <translation>Status:</translation>
    </message>
    <message>
        <location filename="../widgets/recommendations_view.cpp" line="107"/>
        <source>Its change is no longer in force: the setting has another value now (an operator&apos;s edit, or a restart back to the configuration). Revert closes the recommendation and leaves that value as it is.</source>
        <translation>Ihre Änderung ist nicht mehr in Kraft: Die Einstellung hat jetzt einen anderen Wert (eine Änderung durch einen Operator oder ein Neustart zurück zur Konfiguration). Zurücksetzen schließt die Empfehlung und lässt diesen Wert, wie er ist.</translation>
    </message>
    <message>
        <location filename="../widgets/recommendations_view.cpp" line="115"/>
        <source>Measured effect:</source>
        <translation>Gemessener Effekt:</translation>
    </message>
    <message>
        <location filename="../widgets/recommendations_view.cpp" line="120"/>
        <source>The effect is measured once the recommendation is applied.</source>
        <translation>Der Effekt wird gemessen, sobald die Empfehlung angewendet ist.</translation>
    </message>
    <message>
        <location filename="../widgets/recommendations_view.cpp" line="134"/>
        <source>&amp;Refresh</source>
        <translation>&amp;Aktualisieren</translation>
    </message>
    <message>
        <location filename="../widgets/recommendations_view.cpp" line="139"/>
        <source>&amp;Apply…</source>
        <translation>An&amp;wenden…</translation>
    </message>
    <message>
        <location filename="../widgets/recommendations_view.cpp" line="140"/>
        <source>&amp;Dismiss</source>
        <translation>&amp;Verwerfen</translation>
    </message>
    <message>
        <location filename="../widgets/recommendations_view.cpp" line="141"/>
        <source>Re&amp;vert…</source>
        <translation>&amp;Zurücksetzen…</translation>
    </message>
    <message>
        <location filename="../widgets/recommendations_view.cpp" line="147"/>
        <source>All</source>
        <translation>Alle</translation>
    </message>
    <message>
        <location filename="../widgets/recommendations_view.cpp" line="148"/>
        <source>Open</source>
        <translation>Offen</translation>
    </message>
    <message>
        <location filename="../widgets/recommendations_view.cpp" line="149"/>
        <source>Applied</source>
        <translation>Angewendet</translation>
    </message>
    <message>
        <location filename="../widgets/recommendations_view.cpp" line="150"/>
        <source>Dismissed</source>
        <translation>Verworfen</translation>
    </message>
    <message>
        <location filename="../widgets/recommendations_view.cpp" line="151"/>
        <source>Reverted</source>
        <translation>Zurückgesetzt</translation>
    </message>
    <message>
        <location filename="../widgets/recommendations_view.cpp" line="152"/>
        <source>Expired</source>
        <translation>Abgelaufen</translation>
    </message>
    <message>
        <location filename="../widgets/recommendations_view.cpp" line="164"/>
        <source>Change the live setting as recommended (asks first)</source>
        <translation>Die Live-Einstellung wie empfohlen ändern (mit Rückfrage)</translation>
    </message>
    <message>
        <location filename="../widgets/recommendations_view.cpp" line="165"/>
        <source>Keep things as they are; the recommendation is closed</source>
        <translation>Alles so lassen, wie es ist; die Empfehlung wird geschlossen</translation>
    </message>
    <message>
        <location filename="../widgets/recommendations_view.cpp" line="166"/>
        <source>Set the live setting back to its value before (asks first)</source>
        <translation>Die Live-Einstellung auf ihren vorherigen Wert zurücksetzen (mit Rückfrage)</translation>
    </message>
    <message>
        <location filename="../widgets/recommendations_view.cpp" line="253"/>
        <source>Select a recommendation to see its evidence, the change it makes and its effect.</source>
        <translation>Wählen Sie eine Empfehlung aus, um ihre Belege, die vorgenommene Änderung und ihren Effekt zu sehen.</translation>
    </message>
    <message>
        <location filename="../widgets/recommendations_view.cpp" line="199"/>
        <source>S&amp;how:</source>
        <translation>A&amp;nzeigen:</translation>
    </message>
    <message>
        <location filename="../widgets/recommendations_view.cpp" line="310"/>
        <source>This engine serves no recommendations: GET /api/v1/recommendations answered %1. It has no analyser, or it is older than this console.</source>
        <translation>Diese Engine liefert keine Empfehlungen: GET /api/v1/recommendations ergab %1. Sie hat keinen Analysator oder ist älter als diese Konsole.</translation>
    </message>
    <message>
        <location filename="../widgets/recommendations_view.cpp" line="314"/>
        <source>The recommendations could not be read: %1</source>
        <translation>Die Empfehlungen konnten nicht gelesen werden: %1</translation>
    </message>
    <message>
        <location filename="../widgets/recommendations_view.cpp" line="321"/>
        <source>The engine&apos;s recommendations do not follow the API (%1); the list shows the last ones that did.</source>
        <translation>Die Empfehlungen der Engine entsprechen nicht der API (%1); die Liste zeigt die letzten gültigen.</translation>
    </message>
    <message numerus="yes">
        <location filename="../widgets/recommendations_view.cpp" line="329"/>
        <source>%n recommendation(s), read at %1</source>
        <translation>
            <numerusform>%n Empfehlung, gelesen um %1</numerusform>
            <numerusform>%n Empfehlungen, gelesen um %1</numerusform>
        </translation>
    </message>
    <message>
        <location filename="../widgets/recommendations_view.cpp" line="335"/>
        <source>No recommendation has this status.</source>
        <translation>Keine Empfehlung hat diesen Status.</translation>
    </message>
    <message>
        <location filename="../widgets/recommendations_view.cpp" line="338"/>
        <source>No recommendations: nothing in the traffic crossed a rule&apos;s threshold. The engine recommends a change when it sees cache misses on cacheable operations, load spread unevenly over instances that are equally good, an instance failing just below its breaker&apos;s threshold, a p99 close to the timeout, retries that never succeed, or capture holding the proxy back. An operation needs 50 to 100 exchanges in the analyser&apos;s five-minute window before a rule judges it.</source>
        <translation>Keine Empfehlungen: Nichts im Verkehr hat den Schwellenwert einer Regel überschritten. Die Engine empfiehlt eine Änderung, wenn sie Cache-Fehltreffer bei cachebaren Operationen sieht, ungleich verteilte Last auf gleich guten Instanzen, eine Instanz, die knapp unter der Schwelle ihres Circuit Breakers ausfällt, ein p99 nahe am Timeout, Wiederholungen, die nie gelingen, oder eine Erfassung, die den Proxy bremst. Eine Operation braucht 50 bis 100 Austausche im Fünf-Minuten-Fenster der Analyse, bevor eine Regel sie beurteilt.</translation>
    </message>
    <message>
        <location filename="../widgets/recommendations_view.cpp" line="390"/>
        <source>Apply the recommendation</source>
        <translation>Empfehlung anwenden</translation>
    </message>
    <message>
        <location filename="../widgets/recommendations_view.cpp" line="390"/>
        <source>Revert the change</source>
        <translation>Änderung zurücksetzen</translation>
    </message>
    <message>
        <location filename="../widgets/recommendations_view.cpp" line="391"/>
        <source>Set %1 of %2 from %3 to %4?</source>
        <translation>%1 des Dienstes %2 von %3 auf %4 setzen?</translation>
    </message>
    <message>
        <location filename="../widgets/recommendations_view.cpp" line="394"/>
        <source>%1
The running proxy changes at once; Revert sets the value back.</source>
        <translation>%1
Der laufende Proxy ändert sich sofort; „Zurücksetzen“ stellt den vorherigen Wert wieder her.</translation>
    </message>
    <message>
        <location filename="../widgets/recommendations_view.cpp" line="397"/>
        <source>%1
The running proxy changes at once.</source>
        <translation>%1
Der laufende Proxy ändert sich sofort.</translation>
    </message>
    <message>
        <location filename="../widgets/recommendations_view.cpp" line="412"/>
        <source>%1: sending…</source>
        <translation>%1: wird gesendet…</translation>
    </message>
    <message>
        <location filename="../widgets/recommendations_view.cpp" line="421"/>
        <source>%1 done: %2 is now %3</source>
        <translation>%1 erledigt: %2 ist jetzt %3</translation>
    </message>
    <message>
        <location filename="../widgets/recommendations_view.cpp" line="428"/>
        <source>%1 done, but the answer does not follow the API (%2)</source>
        <translation>%1 erledigt, aber die Antwort entspricht nicht der API (%2)</translation>
    </message>
    <message>
        <location filename="../widgets/recommendations_view.cpp" line="437"/>
        <source>%1 failed: %2</source>
        <translation>%1 fehlgeschlagen: %2</translation>
    </message>
    <message>
        <location filename="../widgets/recommendations_view.cpp" line="438"/>
        <source>Recommendation not changed</source>
        <translation>Empfehlung nicht geändert</translation>
    </message>
    <message>
        <location filename="../widgets/recommendations_view.cpp" line="439"/>
        <source>%1 failed:
%2</source>
        <translation>%1 fehlgeschlagen:
%2</translation>
    </message>
    <message>
        <location filename="../widgets/recommendations_view.cpp" line="444"/>
        <source>Recommendation not changed: %1</source>
        <translation>Empfehlung nicht geändert: %1</translation>
    </message>
</context>
<context>
    <name>ToolCapture::ReplayDialog</name>
    <message>
        <location filename="../widgets/replay_dialog.cpp" line="34"/>
        <source>&amp;Replay</source>
        <translation>&amp;Erneut senden</translation>
    </message>
    <message>
        <location filename="../widgets/replay_dialog.cpp" line="38"/>
        <source>Replay %1 %2</source>
        <translation>%1 %2 erneut senden</translation>
    </message>
    <message>
        <location filename="../widgets/replay_dialog.cpp" line="41"/>
        <source>The instance list could not be read: %1</source>
        <translation>Die Instanzliste konnte nicht gelesen werden: %1</translation>
    </message>
    <message>
        <location filename="../widgets/replay_dialog.cpp" line="44"/>
        <source>Header field</source>
        <translation>Header-Feld</translation>
    </message>
    <message>
        <location filename="../widgets/replay_dialog.cpp" line="44"/>
        <source>Value</source>
        <translation>Wert</translation>
    </message>
    <message>
        <location filename="../widgets/replay_dialog.cpp" line="50"/>
        <source>Add field</source>
        <translation>Feld hinzufügen</translation>
    </message>
    <message>
        <location filename="../widgets/replay_dialog.cpp" line="51"/>
        <source>Remove field</source>
        <translation>Feld entfernen</translation>
    </message>
    <message>
        <location filename="../widgets/replay_dialog.cpp" line="63"/>
        <source>(no body)</source>
        <translation>(kein Body)</translation>
    </message>
    <message>
        <location filename="../widgets/replay_dialog.cpp" line="64"/>
        <source>The body was not kept: supply one to replay.</source>
        <translation>Der Body wurde nicht gespeichert: Geben Sie einen an, um erneut zu senden.</translation>
    </message>
    <message>
        <location filename="../widgets/replay_dialog.cpp" line="70"/>
        <source>Send to:</source>
        <translation>Senden an:</translation>
    </message>
    <message>
        <location filename="../widgets/replay_dialog.cpp" line="72"/>
        <source>Request header fields (values shown as [REDACTED] are not sent unless you replace them)</source>
        <translation>Header-Felder der Anfrage (als [REDACTED] angezeigte Werte werden nur gesendet, wenn Sie sie ersetzen)</translation>
    </message>
    <message>
        <location filename="../widgets/replay_dialog.cpp" line="80"/>
        <source>Request body</source>
        <translation>Body der Anfrage</translation>
    </message>
    <message>
        <location filename="../widgets/replay_dialog.cpp" line="98"/>
        <source>&lt;b&gt;%1 %2&lt;/b&gt; — capture #%3, answered %4 by %5</source>
        <translation>&lt;b&gt;%1 %2&lt;/b&gt; — Mitschnitt #%3, beantwortet mit %4 von %5</translation>
    </message>
    <message>
        <location filename="../widgets/replay_dialog.cpp" line="102"/>
        <source>the proxy</source>
        <translation>dem Proxy</translation>
    </message>
    <message>
        <location filename="../widgets/replay_dialog.cpp" line="195"/>
        <source>Replaying…</source>
        <translation>Wird erneut gesendet…</translation>
    </message>
    <message>
        <location filename="../widgets/replay_dialog.cpp" line="203"/>
        <source>The response changed.</source>
        <translation>Die Antwort hat sich geändert.</translation>
    </message>
    <message>
        <location filename="../widgets/replay_dialog.cpp" line="204"/>
        <source>Same response.</source>
        <translation>Gleiche Antwort.</translation>
    </message>
    <message>
        <location filename="../widgets/replay_dialog.cpp" line="205"/>
        <source>Replay failed: %1</source>
        <translation>Erneutes Senden fehlgeschlagen: %1</translation>
    </message>
</context>
<context>
    <name>ToolCapture::RequestsView</name>
    <message>
        <location filename="../widgets/requests_view.cpp" line="51"/>
        <location filename="../widgets/requests_view.cpp" line="288"/>
        <source>Pause</source>
        <translation>Pause</translation>
    </message>
    <message>
        <location filename="../widgets/requests_view.cpp" line="51"/>
        <source>Stop adding new captures to the list</source>
        <translation>Keine neuen Mitschnitte mehr zur Liste hinzufügen</translation>
    </message>
    <message>
        <location filename="../widgets/requests_view.cpp" line="65"/>
        <source>Filter, e.g. status&gt;=500 service:inventory path~/users method:POST</source>
        <translation>Filter, z. B. status&gt;=500 service:inventory path~/users method:POST</translation>
    </message>
    <message>
        <location filename="../widgets/requests_view.cpp" line="67"/>
        <source>Terms, all of which must hold: status, duration, id (= != &lt; &lt;= &gt; &gt;=, status also 5xx); service, instance, method, cid, error (: exact, != , ~ regex); path (: prefix, ~ regex); free text. ! or - negates a term.</source>
        <translation>Bedingungen, die alle erfüllt sein müssen: status, duration, id (= != &lt; &lt;= &gt; &gt;=, status auch 5xx); service, instance, method, cid, error (: exakt, != , ~ Regex); path (: Präfix, ~ Regex); freier Text. ! oder - negiert eine Bedingung.</translation>
    </message>
    <message>
        <location filename="../widgets/requests_view.cpp" line="82"/>
        <source>Clear</source>
        <translation>Leeren</translation>
    </message>
    <message>
        <location filename="../widgets/requests_view.cpp" line="82"/>
        <source>Remove every capture from the list</source>
        <translation>Alle Mitschnitte aus der Liste entfernen</translation>
    </message>
    <message>
        <location filename="../widgets/requests_view.cpp" line="85"/>
        <location filename="../widgets/requests_view.cpp" line="513"/>
        <source>Replay…</source>
        <translation>Erneut senden…</translation>
    </message>
    <message>
        <location filename="../widgets/requests_view.cpp" line="85"/>
        <source>Replay the current capture, with edits</source>
        <translation>Den aktuellen Mitschnitt bearbeitet erneut senden</translation>
    </message>
    <message>
        <location filename="../widgets/requests_view.cpp" line="88"/>
        <location filename="../widgets/requests_view.cpp" line="514"/>
        <source>Replay selection…</source>
        <translation>Auswahl erneut senden…</translation>
    </message>
    <message>
        <location filename="../widgets/requests_view.cpp" line="88"/>
        <source>Replay the selected captures as a batch</source>
        <translation>Die ausgewählten Mitschnitte gesammelt erneut senden</translation>
    </message>
    <message>
        <location filename="../widgets/requests_view.cpp" line="91"/>
        <location filename="../widgets/requests_view.cpp" line="516"/>
        <source>Copy as curl</source>
        <translation>Als curl kopieren</translation>
    </message>
    <message>
        <location filename="../widgets/requests_view.cpp" line="91"/>
        <source>Copy the selected captures as curl commands</source>
        <translation>Die ausgewählten Mitschnitte als curl-Befehle kopieren</translation>
    </message>
    <message>
        <location filename="../widgets/requests_view.cpp" line="94"/>
        <source>Export HAR…</source>
        <translation>HAR exportieren…</translation>
    </message>
    <message>
        <location filename="../widgets/requests_view.cpp" line="94"/>
        <source>Save the selected captures as a HAR file</source>
        <translation>Die ausgewählten Mitschnitte als HAR-Datei speichern</translation>
    </message>
    <message>
        <location filename="../widgets/requests_view.cpp" line="183"/>
        <source>History: %1</source>
        <translation>Verlauf: %1</translation>
    </message>
    <message>
        <location filename="../widgets/requests_view.cpp" line="236"/>
        <source>%1 shown of %2 captures</source>
        <translation>%1 von %2 Mitschnitten angezeigt</translation>
    </message>
    <message numerus="yes">
        <location filename="../widgets/requests_view.cpp" line="240"/>
        <source>paused, %n new waiting</source>
        <translation>
            <numerusform>angehalten, %n neuer wartet</numerusform>
            <numerusform>angehalten, %n neue warten</numerusform>
        </translation>
    </message>
    <message>
        <location filename="../widgets/requests_view.cpp" line="242"/>
        <source>loading older captures…</source>
        <translation>ältere Mitschnitte werden geladen…</translation>
    </message>
    <message>
        <location filename="../widgets/requests_view.cpp" line="264"/>
        <source>Column %1: %2 — &lt;code&gt;%3&lt;u&gt;&lt;b&gt;%4&lt;/b&gt;&lt;/u&gt;%5&lt;/code&gt; (the list keeps the last valid filter)</source>
        <translation>Spalte %1: %2 — &lt;code&gt;%3&lt;u&gt;&lt;b&gt;%4&lt;/b&gt;&lt;/u&gt;%5&lt;/code&gt; (die Liste behält den letzten gültigen Filter)</translation>
    </message>
    <message>
        <location filename="../widgets/requests_view.cpp" line="288"/>
        <source>Resume</source>
        <translation>Fortsetzen</translation>
    </message>
    <message>
        <location filename="../widgets/requests_view.cpp" line="345"/>
        <source>HTTP status %1</source>
        <translation>HTTP-Status %1</translation>
    </message>
    <message>
        <location filename="../widgets/requests_view.cpp" line="349"/>
        <source>Capture %1 could not be read: %2</source>
        <translation>Mitschnitt %1 konnte nicht gelesen werden: %2</translation>
    </message>
    <message>
        <location filename="../widgets/requests_view.cpp" line="389"/>
        <source>Select captures to copy.</source>
        <translation>Wählen Sie Mitschnitte zum Kopieren aus.</translation>
    </message>
    <message>
        <location filename="../widgets/requests_view.cpp" line="393"/>
        <location filename="../widgets/requests_view.cpp" line="420"/>
        <source>At most %1 captures at once.</source>
        <translation>Höchstens %1 Mitschnitte auf einmal.</translation>
    </message>
    <message numerus="yes">
        <location filename="../widgets/requests_view.cpp" line="407"/>
        <source>Copied %n request(s) as curl.</source>
        <translation>
            <numerusform>%n Anfrage als curl kopiert.</numerusform>
            <numerusform>%n Anfragen als curl kopiert.</numerusform>
        </translation>
    </message>
    <message>
        <location filename="../widgets/requests_view.cpp" line="416"/>
        <source>Select captures to export.</source>
        <translation>Wählen Sie Mitschnitte zum Exportieren aus.</translation>
    </message>
    <message>
        <location filename="../widgets/requests_view.cpp" line="426"/>
        <source>Export as HAR</source>
        <translation>Als HAR exportieren</translation>
    </message>
    <message>
        <location filename="../widgets/requests_view.cpp" line="427"/>
        <source>HTTP Archive (*.har);;All files (*)</source>
        <translation>HTTP-Archiv (*.har);;Alle Dateien (*)</translation>
    </message>
    <message>
        <location filename="../widgets/requests_view.cpp" line="439"/>
        <source>%1: %2</source>
        <translation>%1: %2</translation>
    </message>
    <message numerus="yes">
        <location filename="../widgets/requests_view.cpp" line="453"/>
        <source>Exported %n capture(s) to %1.</source>
        <translation>
            <numerusform>%n Mitschnitt nach %1 exportiert.</numerusform>
            <numerusform>%n Mitschnitte nach %1 exportiert.</numerusform>
        </translation>
    </message>
    <message>
        <location filename="../widgets/requests_view.cpp" line="465"/>
        <source>Select a capture to replay.</source>
        <translation>Wählen Sie einen Mitschnitt zum erneuten Senden aus.</translation>
    </message>
    <message>
        <location filename="../widgets/requests_view.cpp" line="485"/>
        <source>The capture could not be read: %1</source>
        <translation>Der Mitschnitt konnte nicht gelesen werden: %1</translation>
    </message>
    <message>
        <location filename="../widgets/requests_view.cpp" line="502"/>
        <source>Select captures to replay.</source>
        <translation>Wählen Sie Mitschnitte zum erneuten Senden aus.</translation>
    </message>
    <message>
        <location filename="../widgets/requests_view.cpp" line="517"/>
        <source>Copy correlation ID</source>
        <translation>Korrelations-ID kopieren</translation>
    </message>
    <message>
        <location filename="../widgets/requests_view.cpp" line="520"/>
        <source>Export as HAR…</source>
        <translation>Als HAR exportieren…</translation>
    </message>
</context>
<context>
    <name>ToolCapture::ResponseDiffView</name>
    <message numerus="yes">
        <location filename="../widgets/response_diff_view.cpp" line="73"/>
        <source>(%n binary byte(s))</source>
        <translation>
            <numerusform>(%n binäres Byte)</numerusform>
            <numerusform>(%n binäre Bytes)</numerusform>
        </translation>
    </message>
    <message>
        <location filename="../widgets/response_diff_view.cpp" line="89"/>
        <source>Header field</source>
        <translation>Header-Feld</translation>
    </message>
    <message>
        <location filename="../widgets/response_diff_view.cpp" line="89"/>
        <location filename="../widgets/response_diff_view.cpp" line="96"/>
        <source>Captured</source>
        <translation>Mitgeschnitten</translation>
    </message>
    <message>
        <location filename="../widgets/response_diff_view.cpp" line="89"/>
        <location filename="../widgets/response_diff_view.cpp" line="96"/>
        <source>Replayed</source>
        <translation>Wiederholt</translation>
    </message>
    <message>
        <location filename="../widgets/response_diff_view.cpp" line="89"/>
        <source>Difference</source>
        <translation>Unterschied</translation>
    </message>
    <message>
        <location filename="../widgets/response_diff_view.cpp" line="96"/>
        <source>Change</source>
        <translation>Änderung</translation>
    </message>
    <message>
        <location filename="../widgets/response_diff_view.cpp" line="96"/>
        <source>JSON pointer</source>
        <translation>JSON Pointer</translation>
    </message>
    <message>
        <location filename="../widgets/response_diff_view.cpp" line="113"/>
        <source>Captured response body</source>
        <translation>Mitgeschnittener Antwort-Body</translation>
    </message>
    <message>
        <location filename="../widgets/response_diff_view.cpp" line="118"/>
        <source>Replayed response body</source>
        <translation>Antwort-Body der Wiederholung</translation>
    </message>
    <message>
        <location filename="../widgets/response_diff_view.cpp" line="139"/>
        <source>No replay yet.</source>
        <translation>Noch keine Wiederholung.</translation>
    </message>
    <message numerus="yes">
        <location filename="../widgets/response_diff_view.cpp" line="172"/>
        <source>No replay yet. Captured: status %1, the first %n byte(s) of the body.</source>
        <translation>
            <numerusform>Noch keine Wiederholung. Aufgezeichnet: Status %1, das erste Byte des Bodys.</numerusform>
            <numerusform>Noch keine Wiederholung. Aufgezeichnet: Status %1, die ersten %n Bytes des Bodys.</numerusform>
        </translation>
    </message>
    <message>
        <location filename="../widgets/response_diff_view.cpp" line="175"/>
        <source>No replay yet. Captured: status %1.</source>
        <translation>Noch keine Wiederholung. Aufgezeichnet: Status %1.</translation>
    </message>
    <message>
        <location filename="../widgets/response_diff_view.cpp" line="192"/>
        <source>&lt;b&gt;The replay failed:&lt;/b&gt; %1</source>
        <translation>&lt;b&gt;Die Wiederholung ist fehlgeschlagen:&lt;/b&gt; %1</translation>
    </message>
    <message>
        <location filename="../widgets/response_diff_view.cpp" line="196"/>
        <source>&lt;b style=&apos;color:#d32f2f&apos;&gt;The response changed.&lt;/b&gt;</source>
        <translation>&lt;b style=&apos;color:#d32f2f&apos;&gt;Die Antwort hat sich geändert.&lt;/b&gt;</translation>
    </message>
    <message>
        <location filename="../widgets/response_diff_view.cpp" line="197"/>
        <source>&lt;b style=&apos;color:#2e7d32&apos;&gt;Same response.&lt;/b&gt;</source>
        <translation>&lt;b style=&apos;color:#2e7d32&apos;&gt;Gleiche Antwort.&lt;/b&gt;</translation>
    </message>
    <message>
        <location filename="../widgets/response_diff_view.cpp" line="200"/>
        <source>Status %1 → &lt;b&gt;%2&lt;/b&gt;</source>
        <translation>Status %1 → &lt;b&gt;%2&lt;/b&gt;</translation>
    </message>
    <message>
        <location filename="../widgets/response_diff_view.cpp" line="201"/>
        <source>Status %1 (unchanged)</source>
        <translation>Status %1 (unverändert)</translation>
    </message>
    <message>
        <location filename="../widgets/response_diff_view.cpp" line="203"/>
        <source>routed by the proxy</source>
        <translation>vom Proxy geroutet</translation>
    </message>
    <message>
        <location filename="../widgets/response_diff_view.cpp" line="204"/>
        <source>sent to %1</source>
        <translation>an %1 gesendet</translation>
    </message>
    <message>
        <location filename="../widgets/response_diff_view.cpp" line="205"/>
        <source>%1 %2, %3, %4 ms, %5</source>
        <translation>%1 %2, %3, %4 ms, %5</translation>
    </message>
    <message>
        <location filename="../widgets/response_diff_view.cpp" line="234"/>
        <source>volatile, ignored</source>
        <translation>veränderlich, ignoriert</translation>
    </message>
    <message>
        <location filename="../widgets/response_diff_view.cpp" line="238"/>
        <source>changed</source>
        <translation>geändert</translation>
    </message>
    <message>
        <location filename="../widgets/response_diff_view.cpp" line="241"/>
        <location filename="../widgets/response_diff_view.cpp" line="297"/>
        <source>added</source>
        <translation>hinzugefügt</translation>
    </message>
    <message>
        <location filename="../widgets/response_diff_view.cpp" line="244"/>
        <location filename="../widgets/response_diff_view.cpp" line="300"/>
        <source>removed</source>
        <translation>entfernt</translation>
    </message>
    <message>
        <location filename="../widgets/response_diff_view.cpp" line="247"/>
        <source>not captured</source>
        <translation>nicht mitgeschnitten</translation>
    </message>
    <message>
        <location filename="../widgets/response_diff_view.cpp" line="303"/>
        <source>replaced</source>
        <translation>ersetzt</translation>
    </message>
    <message>
        <location filename="../widgets/response_diff_view.cpp" line="306"/>
        <source>(the whole body)</source>
        <translation>(der gesamte Body)</translation>
    </message>
    <message>
        <location filename="../widgets/response_diff_view.cpp" line="312"/>
        <source>…more changes not listed</source>
        <translation>…weitere Änderungen nicht aufgeführt</translation>
    </message>
    <message>
        <location filename="../widgets/response_diff_view.cpp" line="316"/>
        <source>body differs</source>
        <translation>Body unterscheidet sich</translation>
    </message>
    <message>
        <location filename="../widgets/response_diff_view.cpp" line="317"/>
        <source>%1 body, %2 → %3 bytes</source>
        <translation>%1-Body, %2 → %3 Bytes</translation>
    </message>
</context>
<context>
    <name>ToolCapture::RoutingExplanationView</name>
    <message>
        <location filename="../widgets/routing_explanation_view.cpp" line="16"/>
        <source>breaker open</source>
        <translation>Breaker offen</translation>
    </message>
    <message>
        <location filename="../widgets/routing_explanation_view.cpp" line="18"/>
        <source>unhealthy</source>
        <translation>nicht gesund</translation>
    </message>
    <message>
        <location filename="../widgets/routing_explanation_view.cpp" line="20"/>
        <source>unreachable (connect failed recently)</source>
        <translation>nicht erreichbar (Verbindung kürzlich fehlgeschlagen)</translation>
    </message>
    <message>
        <location filename="../widgets/routing_explanation_view.cpp" line="22"/>
        <source>failed on an earlier attempt of this request</source>
        <translation>bei einem früheren Versuch dieser Anfrage fehlgeschlagen</translation>
    </message>
    <message>
        <location filename="../widgets/routing_explanation_view.cpp" line="24"/>
        <source>bulkhead full</source>
        <translation>Bulkhead voll</translation>
    </message>
    <message>
        <location filename="../widgets/routing_explanation_view.cpp" line="26"/>
        <source>lacks a required capability</source>
        <translation>eine erforderliche Fähigkeit fehlt</translation>
    </message>
    <message>
        <location filename="../widgets/routing_explanation_view.cpp" line="28"/>
        <source>draining</source>
        <translation>läuft aus</translation>
    </message>
    <message>
        <location filename="../widgets/routing_explanation_view.cpp" line="44"/>
        <source>Instance</source>
        <translation>Instanz</translation>
    </message>
    <message>
        <location filename="../widgets/routing_explanation_view.cpp" line="44"/>
        <source>Verdict</source>
        <translation>Entscheidung</translation>
    </message>
    <message>
        <location filename="../widgets/routing_explanation_view.cpp" line="44"/>
        <source>Score</source>
        <translation>Bewertung</translation>
    </message>
    <message>
        <location filename="../widgets/routing_explanation_view.cpp" line="44"/>
        <source>Performance</source>
        <translation>Leistung</translation>
    </message>
    <message>
        <location filename="../widgets/routing_explanation_view.cpp" line="45"/>
        <source>Reliability</source>
        <translation>Zuverlässigkeit</translation>
    </message>
    <message>
        <location filename="../widgets/routing_explanation_view.cpp" line="45"/>
        <source>Load</source>
        <translation>Last</translation>
    </message>
    <message>
        <location filename="../widgets/routing_explanation_view.cpp" line="45"/>
        <source>Compatibility</source>
        <translation>Kompatibilität</translation>
    </message>
    <message>
        <location filename="../widgets/routing_explanation_view.cpp" line="46"/>
        <source>Latency (ms)</source>
        <translation>Latenz (ms)</translation>
    </message>
    <message>
        <location filename="../widgets/routing_explanation_view.cpp" line="46"/>
        <source>Success rate</source>
        <translation>Erfolgsrate</translation>
    </message>
    <message>
        <location filename="../widgets/routing_explanation_view.cpp" line="46"/>
        <source>Active</source>
        <translation>Aktiv</translation>
    </message>
    <message>
        <location filename="../widgets/routing_explanation_view.cpp" line="66"/>
        <source>excluded: %1</source>
        <translation>ausgeschlossen: %1</translation>
    </message>
    <message>
        <location filename="../widgets/routing_explanation_view.cpp" line="69"/>
        <source>chosen</source>
        <translation>gewählt</translation>
    </message>
    <message>
        <location filename="../widgets/routing_explanation_view.cpp" line="71"/>
        <source>runner-up</source>
        <translation>Zweitplatzierter</translation>
    </message>
    <message>
        <location filename="../widgets/routing_explanation_view.cpp" line="74"/>
        <source>lower score (%1 below)</source>
        <translation>niedrigere Bewertung (%1 darunter)</translation>
    </message>
    <message>
        <location filename="../widgets/routing_explanation_view.cpp" line="76"/>
        <source>not drawn</source>
        <translation>nicht gezogen</translation>
    </message>
    <message>
        <location filename="../widgets/routing_explanation_view.cpp" line="83"/>
        <source>No routing explanation was captured for this exchange.</source>
        <translation>Für diesen Austausch wurde keine Routing-Erklärung mitgeschnitten.</translation>
    </message>
    <message>
        <location filename="../widgets/routing_explanation_view.cpp" line="89"/>
        <source>%1 (policy %2, service %3)</source>
        <translation>%1 (Richtlinie %2, Dienst %3)</translation>
    </message>
    <message>
        <location filename="../widgets/routing_explanation_view.cpp" line="109"/>
        <location filename="../widgets/routing_explanation_view.cpp" line="112"/>
        <source>unknown</source>
        <translation>unbekannt</translation>
    </message>
    <message>
        <location filename="../widgets/routing_explanation_view.cpp" line="135"/>
        <source>Select a captured request to see why it went where it went.</source>
        <translation>Wählen Sie eine mitgeschnittene Anfrage aus, um zu sehen, warum sie dorthin geroutet wurde.</translation>
    </message>
</context>
<context>
    <name>ToolCapture::ServicesModel</name>
    <message>
        <location filename="../models/services_model.cpp" line="203"/>
        <source>Matches %1</source>
        <translation>Passt auf %1</translation>
    </message>
    <message>
        <location filename="../models/services_model.cpp" line="214"/>
        <source>%1 of %2 healthy</source>
        <translation>%1 von %2 gesund</translation>
    </message>
    <message>
        <location filename="../models/services_model.cpp" line="215"/>
        <source>not ready</source>
        <translation>nicht bereit</translation>
    </message>
    <message>
        <location filename="../models/services_model.cpp" line="268"/>
        <source>not checked</source>
        <translation>nicht geprüft</translation>
    </message>
    <message>
        <location filename="../models/services_model.cpp" line="268"/>
        <source>unreachable</source>
        <translation>nicht erreichbar</translation>
    </message>
    <message>
        <location filename="../models/services_model.cpp" line="270"/>
        <source>ejected</source>
        <translation>ausgeworfen</translation>
    </message>
    <message>
        <location filename="../models/services_model.cpp" line="271"/>
        <source>healthy</source>
        <translation>gesund</translation>
    </message>
    <message>
        <location filename="../models/services_model.cpp" line="271"/>
        <source>unhealthy</source>
        <translation>nicht gesund</translation>
    </message>
    <message>
        <location filename="../models/services_model.cpp" line="275"/>
        <source>no sample</source>
        <translation>keine Stichprobe</translation>
    </message>
    <message>
        <location filename="../models/services_model.cpp" line="291"/>
        <source>excluded</source>
        <translation>ausgeschlossen</translation>
    </message>
    <message>
        <location filename="../models/services_model.cpp" line="293"/>
        <source>ejected: %1</source>
        <translation>ausgeworfen: %1</translation>
    </message>
    <message>
        <location filename="../models/services_model.cpp" line="295"/>
        <source>unhealthy: %1</source>
        <translation>nicht gesund: %1</translation>
    </message>
    <message>
        <location filename="../models/services_model.cpp" line="307"/>
        <source>Service / instance</source>
        <translation>Dienst / Instanz</translation>
    </message>
    <message>
        <location filename="../models/services_model.cpp" line="309"/>
        <source>Health</source>
        <translation>Gesundheit</translation>
    </message>
    <message>
        <location filename="../models/services_model.cpp" line="311"/>
        <source>Active</source>
        <translation>Aktiv</translation>
    </message>
    <message>
        <location filename="../models/services_model.cpp" line="313"/>
        <source>Latency (EWMA)</source>
        <translation>Latenz (EWMA)</translation>
    </message>
    <message>
        <location filename="../models/services_model.cpp" line="315"/>
        <source>Score</source>
        <translation>Bewertung</translation>
    </message>
    <message>
        <location filename="../models/services_model.cpp" line="317"/>
        <source>Latency part</source>
        <translation>Latenzanteil</translation>
    </message>
    <message>
        <location filename="../models/services_model.cpp" line="319"/>
        <source>Reliability</source>
        <translation>Zuverlässigkeit</translation>
    </message>
    <message>
        <location filename="../models/services_model.cpp" line="321"/>
        <source>Load</source>
        <translation>Last</translation>
    </message>
    <message>
        <location filename="../models/services_model.cpp" line="323"/>
        <source>Compatibility</source>
        <translation>Kompatibilität</translation>
    </message>
    <message>
        <location filename="../models/services_model.cpp" line="325"/>
        <source>Requests</source>
        <translation>Anfragen</translation>
    </message>
    <message>
        <location filename="../models/services_model.cpp" line="327"/>
        <source>Routing</source>
        <translation>Routing</translation>
    </message>
</context>
<context>
    <name>ToolCapture::ServicesView</name>
    <message>
        <location filename="../widgets/services_view.cpp" line="40"/>
        <source>Select a service to see how its requests are routed.</source>
        <translation>Wählen Sie einen Dienst aus, um zu sehen, wie seine Anfragen geroutet werden.</translation>
    </message>
    <message>
        <location filename="../widgets/services_view.cpp" line="79"/>
        <location filename="../widgets/services_view.cpp" line="83"/>
        <source>%1: %2</source>
        <translation>%1: %2</translation>
    </message>
</context>
<context>
    <name>ToolCapture::StatusBarPanel</name>
    <message>
        <location filename="../widgets/status_bar_panel.cpp" line="32"/>
        <source>Responses per second over the last second: the instances&apos;, the proxy&apos;s own and the response cache&apos;s</source>
        <translation>Antworten pro Sekunde in der letzten Sekunde: die der Instanzen, die des Proxys selbst und die des Antwort-Caches</translation>
    </message>
    <message>
        <location filename="../widgets/status_bar_panel.cpp" line="34"/>
        <source>Share of those responses that were server errors (5xx). The Overview&apos;s error rate counts failed attempts at the instances, also those a retry hid from the client.</source>
        <translation>Anteil dieser Antworten, die Serverfehler (5xx) waren. Die Fehlerrate der Übersicht zählt fehlgeschlagene Versuche bei den Instanzen, auch solche, die eine Wiederholung vor dem Client verbarg.</translation>
    </message>
    <message>
        <location filename="../widgets/status_bar_panel.cpp" line="37"/>
        <source>Starting…</source>
        <translation>Startet…</translation>
    </message>
    <message>
        <location filename="../widgets/status_bar_panel.cpp" line="68"/>
        <source>Connecting to %1…</source>
        <translation>Verbinde mit %1…</translation>
    </message>
    <message>
        <location filename="../widgets/status_bar_panel.cpp" line="71"/>
        <source>Connected to %1</source>
        <translation>Verbunden mit %1</translation>
    </message>
    <message>
        <location filename="../widgets/status_bar_panel.cpp" line="74"/>
        <source>Connection to %1 lost</source>
        <translation>Verbindung zu %1 verloren</translation>
    </message>
    <message>
        <location filename="../widgets/status_bar_panel.cpp" line="74"/>
        <source>Engine stopped</source>
        <translation>Engine gestoppt</translation>
    </message>
    <message>
        <location filename="../widgets/status_bar_panel.cpp" line="110"/>
        <source>Proxy %1 (draining)</source>
        <translation>Proxy %1 (läuft aus)</translation>
    </message>
    <message>
        <location filename="../widgets/status_bar_panel.cpp" line="111"/>
        <source>Proxy %1</source>
        <translation>Proxy %1</translation>
    </message>
    <message>
        <location filename="../widgets/status_bar_panel.cpp" line="112"/>
        <source>Admin %1</source>
        <translation>Admin %1</translation>
    </message>
    <message>
        <location filename="../widgets/status_bar_panel.cpp" line="114"/>
        <source>Kafka off</source>
        <translation>Kafka aus</translation>
    </message>
    <message>
        <location filename="../widgets/status_bar_panel.cpp" line="117"/>
        <source>embedded</source>
        <translation>eingebettet</translation>
    </message>
    <message>
        <location filename="../widgets/status_bar_panel.cpp" line="117"/>
        <source>external</source>
        <translation>extern</translation>
    </message>
    <message>
        <location filename="../widgets/status_bar_panel.cpp" line="118"/>
        <source>Kafka %1 (%2, up)</source>
        <translation>Kafka %1 (%2, läuft)</translation>
    </message>
    <message>
        <location filename="../widgets/status_bar_panel.cpp" line="119"/>
        <source>Kafka %1 (%2, DOWN)</source>
        <translation>Kafka %1 (%2, AUSGEFALLEN)</translation>
    </message>
    <message>
        <location filename="../widgets/status_bar_panel.cpp" line="126"/>
        <source>%1 req/s</source>
        <translation>%1 Anfr./s</translation>
    </message>
    <message>
        <location filename="../widgets/status_bar_panel.cpp" line="127"/>
        <source>– req/s</source>
        <translation>– Anfr./s</translation>
    </message>
    <message>
        <location filename="../widgets/status_bar_panel.cpp" line="129"/>
        <source>errors %1 %</source>
        <translation>Fehler %1 %</translation>
    </message>
    <message>
        <location filename="../widgets/status_bar_panel.cpp" line="130"/>
        <source>errors – %</source>
        <translation>Fehler – %</translation>
    </message>
    <message>
        <location filename="../widgets/status_bar_panel.cpp" line="131"/>
        <source>%1 captured</source>
        <translation>%1 mitgeschnitten</translation>
    </message>
    <message>
        <location filename="../widgets/status_bar_panel.cpp" line="132"/>
        <source>capture off</source>
        <translation>Mitschnitt aus</translation>
    </message>
    <message numerus="yes">
        <location filename="../widgets/status_bar_panel.cpp" line="134"/>
        <source>%n capture(s) dropped</source>
        <translation>
            <numerusform>%n Mitschnitt verworfen</numerusform>
            <numerusform>%n Mitschnitte verworfen</numerusform>
        </translation>
    </message>
    <message>
        <location filename="../widgets/status_bar_panel.cpp" line="135"/>
        <source>spool %1</source>
        <translation>Spool %1</translation>
    </message>
    <message>
        <location filename="../widgets/status_bar_panel.cpp" line="137"/>
        <source>Events waiting on disk for the Kafka brokers</source>
        <translation>Ereignisse, die auf der Festplatte auf die Kafka-Broker warten</translation>
    </message>
    <message>
        <location filename="../widgets/status_bar_panel.cpp" line="143"/>
        <source>store %1</source>
        <translation>Datenspeicher %1</translation>
    </message>
    <message numerus="yes">
        <location filename="../widgets/status_bar_panel.cpp" line="144"/>
        <source>%1
Intelligence store connected; %n row(s) waiting to be written</source>
        <translation>
            <numerusform>%1
Intelligence-Datenspeicher verbunden; %n Zeile wartet darauf, geschrieben zu werden</numerusform>
            <numerusform>%1
Intelligence-Datenspeicher verbunden; %n Zeilen warten darauf, geschrieben zu werden</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>Intelligence store connected; %n row(s) waiting to be written</source>
        <translation type="vanished">
            <numerusform>Intelligence-Datenspeicher verbunden; %n Zeile wartet darauf, geschrieben zu werden</numerusform>
            <numerusform>Intelligence-Datenspeicher verbunden; %n Zeilen warten darauf, geschrieben zu werden</numerusform>
        </translation>
    </message>
    <message>
        <location filename="../widgets/status_bar_panel.cpp" line="151"/>
        <source>store UNREACHABLE, %1 rows in memory</source>
        <translation>Datenspeicher NICHT ERREICHBAR, %1 Zeilen im Arbeitsspeicher</translation>
    </message>
    <message numerus="yes">
        <location filename="../widgets/status_bar_panel.cpp" line="152"/>
        <source>%1: %2
%n row(s) dropped so far (memory limit)</source>
        <translation>
            <numerusform>%1: %2
Bisher %n Zeile verworfen (Speicherlimit)</numerusform>
            <numerusform>%1: %2
Bisher %n Zeilen verworfen (Speicherlimit)</numerusform>
        </translation>
    </message>
    <message>
        <location filename="../widgets/status_bar_panel.cpp" line="122"/>
        <source>Read the live events with: kcat -b %1 -C -t proxy.communication_intelligence</source>
        <translation>Live-Ereignisse lesen mit: kcat -b %1 -C -t proxy.communication_intelligence</translation>
    </message>
</context>
<context>
    <name>ToolCapture::StrictJson</name>
    <message>
        <location filename="../models/strict_json.cpp" line="55"/>
        <source>not JSON (%1 at byte %2)</source>
        <translation>kein JSON (%1 bei Byte %2)</translation>
    </message>
    <message>
        <location filename="../models/strict_json.cpp" line="59"/>
        <source>expected a JSON object</source>
        <translation>JSON-Objekt erwartet</translation>
    </message>
    <message>
        <location filename="../models/strict_json.cpp" line="70"/>
        <source>missing</source>
        <translation>fehlt</translation>
    </message>
    <message>
        <location filename="../models/strict_json.cpp" line="79"/>
        <location filename="../models/strict_json.cpp" line="104"/>
        <source>expected an object, got %1</source>
        <translation>Objekt erwartet, erhalten: %1</translation>
    </message>
    <message>
        <location filename="../models/strict_json.cpp" line="89"/>
        <source>expected an object or null, got %1</source>
        <translation>Objekt oder null erwartet, erhalten: %1</translation>
    </message>
    <message>
        <location filename="../models/strict_json.cpp" line="98"/>
        <source>expected an array, got %1</source>
        <translation>Array erwartet, erhalten: %1</translation>
    </message>
    <message>
        <location filename="../models/strict_json.cpp" line="111"/>
        <source>expected a string, got %1</source>
        <translation>Zeichenkette erwartet, erhalten: %1</translation>
    </message>
    <message>
        <location filename="../models/strict_json.cpp" line="119"/>
        <source>expected a string or null, got %1</source>
        <translation>Zeichenkette oder null erwartet, erhalten: %1</translation>
    </message>
    <message>
        <location filename="../models/strict_json.cpp" line="126"/>
        <source>expected a number, got %1</source>
        <translation>Zahl erwartet, erhalten: %1</translation>
    </message>
    <message>
        <location filename="../models/strict_json.cpp" line="136"/>
        <source>expected a number or null, got %1</source>
        <translation>Zahl oder null erwartet, erhalten: %1</translation>
    </message>
    <message>
        <location filename="../models/strict_json.cpp" line="146"/>
        <source>%1 is outside %2..%3</source>
        <translation>%1 liegt außerhalb von %2..%3</translation>
    </message>
    <message>
        <location filename="../models/strict_json.cpp" line="153"/>
        <source>expected true or false, got %1</source>
        <translation>true oder false erwartet, erhalten: %1</translation>
    </message>
    <message>
        <location filename="../models/strict_json.cpp" line="162"/>
        <source>&quot;%1&quot; is not one of %2</source>
        <translation>„%1“ ist keiner der Werte %2</translation>
    </message>
</context>
<context>
    <name>ToolCapture::TimingWaterfallView</name>
    <message>
        <location filename="../widgets/timing_waterfall_view.cpp" line="13"/>
        <source>%1 ms</source>
        <translation>%1 ms</translation>
    </message>
    <message>
        <location filename="../widgets/timing_waterfall_view.cpp" line="27"/>
        <source>The exchange did not complete.</source>
        <translation>Der Austausch wurde nicht abgeschlossen.</translation>
    </message>
    <message>
        <location filename="../widgets/timing_waterfall_view.cpp" line="28"/>
        <source>Total %1</source>
        <translation>Gesamt %1</translation>
    </message>
    <message>
        <location filename="../widgets/timing_waterfall_view.cpp" line="44"/>
        <location filename="../widgets/timing_waterfall_view.cpp" line="57"/>
        <source>Upstream wait</source>
        <translation>Upstream-Wartezeit</translation>
    </message>
    <message>
        <location filename="../widgets/timing_waterfall_view.cpp" line="56"/>
        <source>Connect</source>
        <translation>Verbinden</translation>
    </message>
    <message>
        <location filename="../widgets/timing_waterfall_view.cpp" line="58"/>
        <source>Response</source>
        <translation>Antwort</translation>
    </message>
    <message>
        <location filename="../widgets/timing_waterfall_view.cpp" line="76"/>
        <source>not reached</source>
        <translation>nicht erreicht</translation>
    </message>
    <message>
        <location filename="../widgets/timing_waterfall_view.cpp" line="85"/>
        <source>accepted</source>
        <translation>angenommen</translation>
    </message>
    <message>
        <location filename="../widgets/timing_waterfall_view.cpp" line="87"/>
        <source>did not complete</source>
        <translation>nicht abgeschlossen</translation>
    </message>
    <message>
        <location filename="../widgets/timing_waterfall_view.cpp" line="88"/>
        <source>done at %1</source>
        <translation>fertig bei %1</translation>
    </message>
</context>
<context>
    <name>ToolCapture::TopicTailModel</name>
    <message>
        <location filename="../models/topic_tail_model.cpp" line="74"/>
        <source>Time</source>
        <translation>Zeit</translation>
    </message>
    <message>
        <location filename="../models/topic_tail_model.cpp" line="76"/>
        <source>Partition</source>
        <translation>Partition</translation>
    </message>
    <message>
        <location filename="../models/topic_tail_model.cpp" line="78"/>
        <source>Offset</source>
        <translation>Offset</translation>
    </message>
    <message>
        <location filename="../models/topic_tail_model.cpp" line="80"/>
        <source>Key</source>
        <translation>Schlüssel</translation>
    </message>
    <message>
        <location filename="../models/topic_tail_model.cpp" line="82"/>
        <source>Event</source>
        <translation>Ereignis</translation>
    </message>
    <message>
        <location filename="../models/topic_tail_model.cpp" line="84"/>
        <source>Summary</source>
        <translation>Zusammenfassung</translation>
    </message>
</context>
<context>
    <name>ToolCapture::TopicsView</name>
    <message>
        <location filename="../widgets/topics_view.cpp" line="53"/>
        <source>Open capture</source>
        <translation>Mitschnitt öffnen</translation>
    </message>
    <message>
        <location filename="../widgets/topics_view.cpp" line="60"/>
        <source>The Kafka topic to follow</source>
        <translation>Das zu verfolgende Kafka-Topic</translation>
    </message>
    <message>
        <location filename="../widgets/topics_view.cpp" line="61"/>
        <source>From the end</source>
        <translation>Ab dem Ende</translation>
    </message>
    <message>
        <location filename="../widgets/topics_view.cpp" line="62"/>
        <source>From the beginning</source>
        <translation>Ab dem Anfang</translation>
    </message>
    <message>
        <location filename="../widgets/topics_view.cpp" line="63"/>
        <source>From a time</source>
        <translation>Ab einem Zeitpunkt</translation>
    </message>
    <message>
        <location filename="../widgets/topics_view.cpp" line="68"/>
        <source>Key</source>
        <translation>Schlüssel</translation>
    </message>
    <message>
        <location filename="../widgets/topics_view.cpp" line="69"/>
        <source>Only records with exactly this key (a correlation id, an instance, a service or a tool name, depending on the topic)</source>
        <translation>Nur Datensätze mit genau diesem Schlüssel (je nach Topic eine Korrelations-ID, eine Instanz, ein Dienst oder ein Werkzeugname)</translation>
    </message>
    <message>
        <location filename="../widgets/topics_view.cpp" line="72"/>
        <source>JSON field, e.g. /performance_metrics/status_code</source>
        <translation>JSON-Feld, z. B. /performance_metrics/status_code</translation>
    </message>
    <message>
        <location filename="../widgets/topics_view.cpp" line="73"/>
        <source>A JSON Pointer into the record&apos;s value: only records where it exists (and equals the value, when one is given)</source>
        <translation>Ein JSON Pointer in den Wert des Datensatzes: nur Datensätze, in denen er existiert (und dem Wert entspricht, falls einer angegeben ist)</translation>
    </message>
    <message>
        <location filename="../widgets/topics_view.cpp" line="76"/>
        <source>Value</source>
        <translation>Wert</translation>
    </message>
    <message>
        <location filename="../widgets/topics_view.cpp" line="79"/>
        <source>Filter the records shown by text</source>
        <translation>Angezeigte Datensätze nach Text filtern</translation>
    </message>
    <message>
        <location filename="../widgets/topics_view.cpp" line="82"/>
        <location filename="../widgets/topics_view.cpp" line="296"/>
        <source>Pause</source>
        <translation>Pause</translation>
    </message>
    <message>
        <location filename="../widgets/topics_view.cpp" line="85"/>
        <source>Stop following the topic; resumed, the tail goes on where it was</source>
        <translation>Das Topic nicht mehr verfolgen; beim Fortsetzen geht es dort weiter, wo es aufgehört hat</translation>
    </message>
    <message>
        <location filename="../widgets/topics_view.cpp" line="87"/>
        <source>Clear</source>
        <translation>Leeren</translation>
    </message>
    <message>
        <location filename="../widgets/topics_view.cpp" line="115"/>
        <source>Select a record to see its value and headers</source>
        <translation>Wählen Sie einen Datensatz aus, um Wert und Header zu sehen</translation>
    </message>
    <message>
        <location filename="../widgets/topics_view.cpp" line="118"/>
        <source>Show the captured exchange with this correlation id in the Requests view (also: double-click the record)</source>
        <translation>Den mitgeschnittenen Austausch mit dieser Korrelations-ID in der Ansicht Anfragen zeigen (auch: Doppelklick auf den Datensatz)</translation>
    </message>
    <message>
        <location filename="../widgets/topics_view.cpp" line="133"/>
        <source>Topic:</source>
        <translation>Topic:</translation>
    </message>
    <message numerus="yes">
        <location filename="../widgets/topics_view.cpp" line="177"/>
        <location filename="../widgets/topics_view.cpp" line="206"/>
        <location filename="../widgets/topics_view.cpp" line="304"/>
        <source>%n record(s), following</source>
        <translation>
            <numerusform>%n Datensatz, wird verfolgt</numerusform>
            <numerusform>%n Datensätze, wird verfolgt</numerusform>
        </translation>
    </message>
    <message>
        <location filename="../widgets/topics_view.cpp" line="192"/>
        <source>Not connected</source>
        <translation>Nicht verbunden</translation>
    </message>
    <message>
        <location filename="../widgets/topics_view.cpp" line="202"/>
        <source>Cannot read the topic: %1</source>
        <translation>Das Topic kann nicht gelesen werden: %1</translation>
    </message>
    <message>
        <location filename="../widgets/topics_view.cpp" line="209"/>
        <source>More records arrive than the tail shows: showing the newest</source>
        <translation>Es kommen mehr Datensätze an, als angezeigt werden können: die neuesten werden gezeigt</translation>
    </message>
    <message>
        <location filename="../widgets/topics_view.cpp" line="287"/>
        <source>Reading %1…</source>
        <translation>Lese %1…</translation>
    </message>
    <message>
        <location filename="../widgets/topics_view.cpp" line="296"/>
        <source>Resume</source>
        <translation>Fortsetzen</translation>
    </message>
    <message numerus="yes">
        <location filename="../widgets/topics_view.cpp" line="302"/>
        <source>Paused: %n record(s)</source>
        <translation>
            <numerusform>Angehalten: %n Datensatz</numerusform>
            <numerusform>Angehalten: %n Datensätze</numerusform>
        </translation>
    </message>
    <message>
        <location filename="../widgets/topics_view.cpp" line="332"/>
        <source>Topic: %1</source>
        <translation>Topic: %1</translation>
    </message>
    <message>
        <location filename="../widgets/topics_view.cpp" line="333"/>
        <source>Partition: %1   Offset: %2</source>
        <translation>Partition: %1   Offset: %2</translation>
    </message>
    <message>
        <location filename="../widgets/topics_view.cpp" line="335"/>
        <source>Timestamp: %1</source>
        <translation>Zeitstempel: %1</translation>
    </message>
    <message>
        <location filename="../widgets/topics_view.cpp" line="340"/>
        <source>Key: %1</source>
        <translation>Schlüssel: %1</translation>
    </message>
    <message>
        <location filename="../widgets/topics_view.cpp" line="340"/>
        <source>(none)</source>
        <translation>(keiner)</translation>
    </message>
    <message>
        <location filename="../widgets/topics_view.cpp" line="346"/>
        <source>Headers:</source>
        <translation>Header:</translation>
    </message>
    <message>
        <location filename="../widgets/topics_view.cpp" line="346"/>
        <source>CloudEvent attributes (structured mode):</source>
        <translation>CloudEvent-Attribute (strukturierter Modus):</translation>
    </message>
</context>
</TS>
