#pragma once

#include <backend/snapshot/engine_snapshot.h>
#include <models/traffic_series.h>

#include <QMainWindow>

namespace ToolCapture {

class ServiceTableModel;
class ServicesView;
class StatusBarPanel;
class TrafficChartView;

// The console's main window: services above, requests per second below, addresses and
// connection counts in the status bar.
class MainWindow : public QMainWindow {
    Q_OBJECT
public:
    explicit MainWindow(QWidget *parent = nullptr);
    ~MainWindow() override;

    ServiceTableModel *serviceModel() const { return m_serviceModel; }
    StatusBarPanel *statusPanel() const { return m_statusPanel; }

public slots:
    void applySnapshot(const ToolCapture::EngineSnapshot &snapshot);

private:
    void createMenus();
    void showAbout();

    TrafficSeries m_traffic;
    ServiceTableModel *m_serviceModel;
    ServicesView *m_servicesView;
    TrafficChartView *m_chartView;
    StatusBarPanel *m_statusPanel;
};

} // namespace ToolCapture
