<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="en_US">
<context>
    <name>Console</name>
    <message>
        <location filename="../app/main.cpp" line="90"/>
        <source>The proxy could not start:
%1</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>ToolCapture::MainWindow</name>
    <message>
        <location filename="../app/main_window.cpp" line="22"/>
        <source>ToolCapture</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../app/main_window.cpp" line="40"/>
        <source>&amp;File</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../app/main_window.cpp" line="41"/>
        <source>&amp;Quit</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../app/main_window.cpp" line="45"/>
        <source>&amp;Help</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../app/main_window.cpp" line="46"/>
        <source>&amp;About ToolCapture</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../app/main_window.cpp" line="51"/>
        <source>About ToolCapture</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../app/main_window.cpp" line="52"/>
        <source>&lt;h3&gt;ToolCapture %1&lt;/h3&gt;&lt;p&gt;Operator console with an embedded HTTP/1.1 reverse proxy.&lt;/p&gt;</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>ToolCapture::ServiceTableModel</name>
    <message>
        <location filename="../models/service_table_model.cpp" line="167"/>
        <source>%1 of %2</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../models/service_table_model.cpp" line="198"/>
        <source>yes</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../models/service_table_model.cpp" line="198"/>
        <source>no</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../models/service_table_model.cpp" line="216"/>
        <source>Capabilities: %1</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../models/service_table_model.cpp" line="232"/>
        <source>Service / Instance</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../models/service_table_model.cpp" line="234"/>
        <source>URL</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../models/service_table_model.cpp" line="236"/>
        <source>Reachable</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../models/service_table_model.cpp" line="238"/>
        <source>Requests</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../models/service_table_model.cpp" line="240"/>
        <source>2xx</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../models/service_table_model.cpp" line="242"/>
        <source>4xx</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../models/service_table_model.cpp" line="244"/>
        <source>5xx</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../models/service_table_model.cpp" line="246"/>
        <source>Errors</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../models/service_table_model.cpp" line="248"/>
        <source>p50 ms</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../models/service_table_model.cpp" line="250"/>
        <source>p99 ms</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../models/service_table_model.cpp" line="252"/>
        <source>Active</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../models/service_table_model.cpp" line="254"/>
        <source>Idle</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>ToolCapture::StatusBarPanel</name>
    <message>
        <location filename="../widgets/status_bar_panel.cpp" line="19"/>
        <source>Starting…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../widgets/status_bar_panel.cpp" line="40"/>
        <source>Proxy %1 (draining)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../widgets/status_bar_panel.cpp" line="41"/>
        <source>Proxy %1</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../widgets/status_bar_panel.cpp" line="42"/>
        <source>Admin %1</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../widgets/status_bar_panel.cpp" line="43"/>
        <source>Profile %1</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../widgets/status_bar_panel.cpp" line="44"/>
        <source>Workers: %1</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../widgets/status_bar_panel.cpp" line="45"/>
        <source>Client connections: %1</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../widgets/status_bar_panel.cpp" line="52"/>
        <source>Kafka %1 (embedded)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../widgets/status_bar_panel.cpp" line="52"/>
        <source>Kafka %1</source>
        <translation type="unfinished"></translation>
    </message>
    <message numerus="yes">
        <location filename="../widgets/status_bar_panel.cpp" line="55"/>
        <source> — unreachable, %n event(s) spooled</source>
        <translation>
            <numerusform> — unreachable, %n event spooled</numerusform>
            <numerusform> — unreachable, %n events spooled</numerusform>
        </translation>
    </message>
    <message>
        <location filename="../widgets/status_bar_panel.cpp" line="52"/>
        <source>Read the live events with: kcat -b %1 -C -t proxy.communication_intelligence</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>ToolCapture::TrafficChartView</name>
    <message>
        <location filename="../widgets/traffic_chart_view.cpp" line="38"/>
        <location filename="../widgets/traffic_chart_view.cpp" line="41"/>
        <source>Requests per second</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../widgets/traffic_chart_view.cpp" line="42"/>
        <source>Uptime (s)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <location filename="../widgets/traffic_chart_view.cpp" line="46"/>
        <source>req/s</source>
        <translation type="unfinished"></translation>
    </message>
</context>
</TS>
