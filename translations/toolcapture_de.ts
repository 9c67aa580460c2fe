<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="de_DE">
<context>
    <name>Console</name>
    <message>
        <location filename="../app/main.cpp" line="90"/>
        <source>The proxy could not start:
%1</source>
        <translation>Der Proxy konnte nicht starten:
%1</translation>
    </message>
</context>
<context>
    <name>ToolCapture::MainWindow</name>
    <message>
        <location filename="../app/main_window.cpp" line="22"/>
        <source>ToolCapture</source>
        <translation>ToolCapture</translation>
    </message>
    <message>
        <location filename="../app/main_window.cpp" line="40"/>
        <source>&amp;File</source>
        <translation>&amp;Datei</translation>
    </message>
    <message>
        <location filename="../app/main_window.cpp" line="41"/>
        <source>&amp;Quit</source>
        <translation>&amp;Beenden</translation>
    </message>
    <message>
        <location filename="../app/main_window.cpp" line="45"/>
        <source>&amp;Help</source>
        <translation>&amp;Hilfe</translation>
    </message>
    <message>
        <location filename="../app/main_window.cpp" line="46"/>
        <source>&amp;About ToolCapture</source>
        <translation>Ü&amp;ber ToolCapture</translation>
    </message>
    <message>
        <location filename="../app/main_window.cpp" line="51"/>
        <source>About ToolCapture</source>
        <translation>Über ToolCapture</translation>
    </message>
    <message>
        <location filename="../app/main_window.cpp" line="52"/>
        <source>&lt;h3&gt;ToolCapture %1&lt;/h3&gt;&lt;p&gt;Operator console with an embedded HTTP/1.1 reverse proxy.&lt;/p&gt;</source>
        <translation>&lt;h3&gt;ToolCapture %1&lt;/h3&gt;&lt;p&gt;Betriebskonsole mit eingebautem HTTP/1.1-Reverse-Proxy.&lt;/p&gt;</translation>
    </message>
</context>
<context>
    <name>ToolCapture::ServiceTableModel</name>
    <message>
        <location filename="../models/service_table_model.cpp" line="167"/>
        <source>%1 of %2</source>
        <translation>%1 von %2</translation>
    </message>
    <message>
        <location filename="../models/service_table_model.cpp" line="198"/>
        <source>yes</source>
        <translation>ja</translation>
    </message>
    <message>
        <location filename="../models/service_table_model.cpp" line="198"/>
        <source>no</source>
        <translation>nein</translation>
    </message>
    <message>
        <location filename="../models/service_table_model.cpp" line="216"/>
        <source>Capabilities: %1</source>
        <translation>Fähigkeiten: %1</translation>
    </message>
    <message>
        <location filename="../models/service_table_model.cpp" line="232"/>
        <source>Service / Instance</source>
        <translation>Dienst / Instanz</translation>
    </message>
    <message>
        <location filename="../models/service_table_model.cpp" line="234"/>
        <source>URL</source>
        <translation>URL</translation>
    </message>
    <message>
        <location filename="../models/service_table_model.cpp" line="236"/>
        <source>Reachable</source>
        <translation>Erreichbar</translation>
    </message>
    <message>
        <location filename="../models/service_table_model.cpp" line="238"/>
        <source>Requests</source>
        <translation>Anfragen</translation>
    </message>
    <message>
        <location filename="../models/service_table_model.cpp" line="240"/>
        <source>2xx</source>
        <translation>2xx</translation>
    </message>
    <message>
        <location filename="../models/service_table_model.cpp" line="242"/>
        <source>4xx</source>
        <translation>4xx</translation>
    </message>
    <message>
        <location filename="../models/service_table_model.cpp" line="244"/>
        <source>5xx</source>
        <translation>5xx</translation>
    </message>
    <message>
        <location filename="../models/service_table_model.cpp" line="246"/>
        <source>Errors</source>
        <translation>Fehler</translation>
    </message>
    <message>
        <location filename="../models/service_table_model.cpp" line="248"/>
        <source>p50 ms</source>
        <translation>p50 ms</translation>
    </message>
    <message>
        <location filename="../models/service_table_model.cpp" line="250"/>
        <source>p99 ms</source>
        <translation>p99 ms</translation>
    </message>
    <message>
        <location filename="../models/service_table_model.cpp" line="252"/>
        <source>Active</source>
        <translation>Aktiv</translation>
    </message>
    <message>
        <location filename="../models/service_table_model.cpp" line="254"/>
        <source>Idle</source>
        <translation>Frei</translation>
    </message>
</context>
<context>
    <name>ToolCapture::StatusBarPanel</name>
    <message>
        <location filename="../widgets/status_bar_panel.cpp" line="19"/>
        <source>Starting…</source>
        <translation>Startet…</translation>
    </message>
    <message>
        <location filename="../widgets/status_bar_panel.cpp" line="40"/>
        <source>Proxy %1 (draining)</source>
        <translation>Proxy %1 (läuft aus)</translation>
    </message>
    <message>
        <location filename="../widgets/status_bar_panel.cpp" line="41"/>
        <source>Proxy %1</source>
        <translation>Proxy %1</translation>
    </message>
    <message>
        <location filename="../widgets/status_bar_panel.cpp" line="42"/>
        <source>Admin %1</source>
        <translation>Admin %1</translation>
    </message>
    <message>
        <location filename="../widgets/status_bar_panel.cpp" line="43"/>
        <source>Profile %1</source>
        <translation>Profil %1</translation>
    </message>
    <message>
        <location filename="../widgets/status_bar_panel.cpp" line="44"/>
        <source>Workers: %1</source>
        <translation>Worker: %1</translation>
    </message>
    <message>
        <location filename="../widgets/status_bar_panel.cpp" line="45"/>
        <source>Client connections: %1</source>
        <translation>Client-Verbindungen: %1</translation>
    </message>
    <message>
        <location filename="../widgets/status_bar_panel.cpp" line="52"/>
        <source>Kafka %1 (embedded)</source>
        <translation>Kafka %1 (eingebettet)</translation>
    </message>
    <message>
        <location filename="../widgets/status_bar_panel.cpp" line="52"/>
        <source>Kafka %1</source>
        <translation>Kafka %1</translation>
    </message>
    <message numerus="yes">
        <location filename="../widgets/status_bar_panel.cpp" line="55"/>
        <source> — unreachable, %n event(s) spooled</source>
        <translation>
            <numerusform> — nicht erreichbar, %n Ereignis zwischengespeichert</numerusform>
            <numerusform> — nicht erreichbar, %n Ereignisse zwischengespeichert</numerusform>
        </translation>
    </message>
    <message>
        <location filename="../widgets/status_bar_panel.cpp" line="52"/>
        <source>Read the live events with: kcat -b %1 -C -t proxy.communication_intelligence</source>
        <translation>Live-Ereignisse lesen mit: kcat -b %1 -C -t proxy.communication_intelligence</translation>
    </message>
</context>
<context>
    <name>ToolCapture::TrafficChartView</name>
    <message>
        <location filename="../widgets/traffic_chart_view.cpp" line="38"/>
        <location filename="../widgets/traffic_chart_view.cpp" line="41"/>
        <source>Requests per second</source>
        <translation>Anfragen pro Sekunde</translation>
    </message>
    <message>
        <location filename="../widgets/traffic_chart_view.cpp" line="42"/>
        <source>Uptime (s)</source>
        <translation>Laufzeit (s)</translation>
    </message>
    <message>
        <location filename="../widgets/traffic_chart_view.cpp" line="46"/>
        <source>req/s</source>
        <translation>Anfr./s</translation>
    </message>
</context>
</TS>
